//! Embeds every `rules/*.toml` file into the crate, so that dependents and the
//! binary screen with the curated rule sets and need no files on disk.

use std::env;
use std::fs;
use std::path::Path;

fn main() {
    // DUALUSE_BUILTIN_DIR embeds another folder (for development builds
    // while the curated files are being edited); by default, `rules/`.
    println!("cargo:rerun-if-env-changed=DUALUSE_BUILTIN_DIR");
    let dir = match env::var_os("DUALUSE_BUILTIN_DIR") {
        Some(d) => Path::new(&d).to_path_buf(),
        None => Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).join("rules"),
    };
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut out = String::from("/// The curated rule files, as (file name, contents).\npub static BUILTIN: &[(&str, &str)] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_name().unwrap().to_string_lossy();
        out.push_str(&format!(
            "    ({:?}, include_str!({:?})),\n",
            name,
            f.display().to_string()
        ));
    }
    out.push_str("];\n");
    let dest = Path::new(&env::var("OUT_DIR").unwrap()).join("builtin_rules.rs");
    fs::write(dest, out).unwrap();
}
