//! Every public type can cross threads: the classifier is shared, scratch
//! and results move between workers.

fn assert_send_sync<T: Send + Sync>() {}
fn assert_send<T: Send>() {}
fn assert_unwind_safe<T: std::panic::UnwindSafe + std::panic::RefUnwindSafe>() {}

#[test]
fn public_types_are_send_and_sync() {
    use dualuse::*;
    assert_send_sync::<Classifier>();
    assert_send_sync::<ClassifierBuilder>();
    assert_send_sync::<RuleSources>();
    assert_send_sync::<Scratch>();
    assert_send_sync::<Screening>();
    assert_send_sync::<Hit>();
    assert_send_sync::<Evidence>();
    assert_send_sync::<Veto>();
    assert_send_sync::<Misdeclaration>();
    assert_send_sync::<HsInfo>();
    assert_send_sync::<CodeInText>();
    assert_send_sync::<RuleInfo>();
    assert_send_sync::<RuleSetInfo>();
    assert_send_sync::<Diagnostic>();
    assert_send_sync::<Error>();
    assert_send_sync::<Line<'static>>();
    assert_send_sync::<Category>();
    assert_send_sync::<Severity>();
    assert_send_sync::<Basis>();
    assert_send_sync::<dualuse::hs::HsError>();
    assert_send_sync::<dualuse::normalize::Normalized>();
    assert_send_sync::<dualuse::oracle::NaiveClassifier>();
    // A streaming reader is owned by one thread at a time (it wraps decoders
    // such as zstd's, which are Send but not Sync): Send is what it needs.
    assert_send::<dualuse::input::RowReader>();
    assert_send_sync::<dualuse::batch::Summary>();
    assert_unwind_safe::<Classifier>();
    assert_unwind_safe::<Screening>();
}

#[test]
fn classifier_clone_shares_compiled_state() {
    let clf = dualuse::Classifier::builtin().unwrap();
    let c2 = clf.clone();
    let h = std::thread::spawn(move || c2.classify(Some("848210"), "ball bearing").flagged());
    assert!(h.join().unwrap());
    assert!(clf.classify(Some("848210"), "").flagged());
}
