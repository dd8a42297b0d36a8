//! The report as one self-contained HTML page: inline CSS, inline SVG
//! charts, plain tables sortable by a few lines of inline script. Nothing is
//! loaded from elsewhere, so the page opens offline. Every string from the
//! input (descriptions, party names, codes, countries) goes through
//! [`esc`]: input text never reaches the page as markup.

use super::{Count, Report};
use crate::types::Category;
use std::fmt::Write;

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// One colour a category, in the order of [`Category::ALL`].
const COLORS: [&str; Category::COUNT] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
];

fn color(cat: &str) -> &'static str {
    Category::ALL
        .iter()
        .position(|c| c.as_str() == cat)
        .map_or("#888888", |i| COLORS[i])
}

/// A number for people: thousands grouped, no decimals from 100 up.
fn num(v: f64) -> String {
    let v = if v.abs() >= 100.0 { v.round() } else { v };
    if v.fract() == 0.0 && v.abs() < 1e15 {
        let s = format!("{}", v as i64);
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 && c != '-' && !out.ends_with('-') {
                out.push(' ');
            }
            out.push(c);
        }
        out
    } else {
        format!("{v:.2}")
    }
}

/// A stacked bar chart: one bar per month, one colour per category.
fn stacked(months: &[String], series: &[(String, Vec<f64>)], label: &str) -> String {
    let (w, h, left, bottom, top) = (900.0, 300.0, 70.0, 60.0, 20.0);
    let totals: Vec<f64> = (0..months.len())
        .map(|i| series.iter().map(|s| s.1[i]).sum())
        .collect();
    let max = totals.iter().copied().fold(0.0_f64, f64::max).max(1.0);
    let plot_w = w - left - 20.0;
    let plot_h = h - bottom - top;
    let bw = plot_w / months.len().max(1) as f64;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{}\">",
        esc(label)
    );
    for k in 0..=4 {
        let v = max * k as f64 / 4.0;
        let y = top + plot_h - plot_h * k as f64 / 4.0;
        let _ = write!(
            svg,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#ddd\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}</text>",
            w - 20.0,
            left - 6.0,
            y + 4.0,
            esc(&num(v.round()))
        );
    }
    for (i, m) in months.iter().enumerate() {
        let x = left + bw * i as f64;
        let mut y = top + plot_h;
        for (cat, vals) in series {
            let v = vals[i];
            if v <= 0.0 {
                continue;
            }
            let bh = plot_h * v / max;
            y -= bh;
            let _ = write!(
                svg,
                "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"{}\"><title>{} {}: {}</title></rect>",
                x + bw * 0.1,
                bw * 0.8,
                color(cat),
                esc(m),
                esc(cat),
                esc(&num(v))
            );
        }
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\" transform=\"rotate(-45 {:.1} {:.1})\">{}</text>",
            x + bw / 2.0,
            top + plot_h + 14.0,
            x + bw / 2.0,
            top + plot_h + 14.0,
            esc(m)
        );
    }
    svg.push_str("</svg>");
    svg
}

fn legend(cats: &[String]) -> String {
    let mut s = String::from("<p class=\"legend\">");
    for c in cats {
        let _ = write!(
            s,
            "<span><i style=\"background:{}\"></i>{}</span>",
            color(c),
            esc(c)
        );
    }
    s.push_str("</p>");
    s
}

/// Horizontal bars for a ranked list.
fn hbars(items: &[(String, f64)]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let row_h = 22.0;
    let (w, left) = (900.0, 320.0);
    let h = row_h * items.len() as f64 + 10.0;
    let max = items.iter().map(|i| i.1).fold(0.0_f64, f64::max).max(1.0);
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\">"
    );
    for (i, (label, v)) in items.iter().enumerate() {
        let y = 5.0 + row_h * i as f64;
        let bw = (w - left - 80.0) * v / max;
        let short: String = label.chars().take(48).collect();
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\">{}</text><rect x=\"{left}\" y=\"{y:.1}\" width=\"{bw:.1}\" height=\"{:.1}\" fill=\"#4e79a7\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">{}</text>",
            left - 6.0,
            y + 14.0,
            esc(&short),
            row_h - 6.0,
            left + bw + 4.0,
            y + 14.0,
            esc(&num(*v))
        );
    }
    svg.push_str("</svg>");
    svg
}

fn table(head: &[&str], rows: &[Vec<(String, Option<f64>)>]) -> String {
    let mut s = String::from("<table class=\"sortable\"><thead><tr>");
    for h in head {
        let _ = write!(s, "<th>{}</th>", esc(h));
    }
    s.push_str("</tr></thead><tbody>");
    for r in rows {
        s.push_str("<tr>");
        for (text, sort) in r {
            match sort {
                Some(v) => {
                    let _ = write!(s, "<td class=\"n\" data-v=\"{v}\">{}</td>", esc(text));
                }
                None => {
                    let _ = write!(s, "<td>{}</td>", esc(text));
                }
            }
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table>");
    s
}

fn t(s: impl Into<String>) -> (String, Option<f64>) {
    (s.into(), None)
}

fn n(v: f64) -> (String, Option<f64>) {
    (num(v), Some(v))
}

fn counts_table(key: &str, items: &[Count]) -> String {
    let rows: Vec<Vec<(String, Option<f64>)>> = items
        .iter()
        .map(|c| vec![t(c.key.clone()), n(c.rows as f64), n(c.value)])
        .collect();
    table(&[key, "flagged rows", "flagged value"], &rows)
}

const STYLE: &str = "body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif;margin:24px auto;max-width:1000px;color:#222;background:#fff}\
h1{font-size:24px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;margin:8px 0;width:100%}th,td{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}\
th{background:#f3f3f3;cursor:pointer;user-select:none}td.n{text-align:right;white-space:nowrap}\
.legend span{margin-right:14px;white-space:nowrap}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}\
.note{color:#666}.flag{display:inline-block;background:#fde2e1;border:1px solid #e15759;border-radius:3px;padding:0 4px;margin:1px;font-size:12px}\
code{font-size:12px}";

/// Sorting by a click on a column header; marks the page ready, and marks
/// it broken on any script error (the browser test checks both).
const SCRIPT: &str = "window.addEventListener('error',function(){document.body.setAttribute('data-error','1');});\
document.querySelectorAll('table.sortable').forEach(function(tb){tb.querySelectorAll('th').forEach(function(th,i){th.addEventListener('click',function(){\
var body=tb.tBodies[0];var rows=Array.prototype.slice.call(body.rows);var asc=th.getAttribute('data-asc')!=='1';th.setAttribute('data-asc',asc?'1':'0');\
rows.sort(function(a,b){var x=a.cells[i],y=b.cells[i];var vx=x.getAttribute('data-v'),vy=y.getAttribute('data-v');\
var c=(vx!==null&&vy!==null)?(parseFloat(vx)-parseFloat(vy)):x.textContent.localeCompare(y.textContent);return asc?c:-c;});\
rows.forEach(function(r){body.appendChild(r);});});});});\
document.body.setAttribute('data-ready','1');";

/// The whole page.
pub fn render_html(r: &Report) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>dualuse report</title><style>{STYLE}</style></head><body>"
    );
    let input = r
        .metadata
        .input
        .as_ref()
        .map(|i| i.path.clone())
        .unwrap_or_else(|| "-".into());
    let _ = write!(h, "<h1>dualuse report: {}</h1>", esc(&input));
    let sets: Vec<String> = r
        .metadata
        .rulesets
        .iter()
        .map(|s| format!("{}@{}", s.id, s.version))
        .collect();
    let _ = write!(
        h,
        "<p class=\"note\">dualuse {} · rules hash <code>{}</code> · rule sets {}</p>",
        esc(&r.metadata.dualuse),
        esc(&r.metadata.rules_hash),
        esc(&sets.join(", "))
    );
    let tt = &r.totals;
    h.push_str("<h2>Totals</h2>");
    h.push_str(&table(
        &[
            "rows read",
            "screened",
            "rejected",
            "flagged goods",
            "misdeclared",
            "party on a watch list",
            "declared value",
            "flagged value",
        ],
        &[vec![
            n(tt.rows_read as f64),
            n(tt.rows_screened as f64),
            n(tt.rows_rejected as f64),
            n(tt.rows_flagged as f64),
            n(tt.rows_misdeclared as f64),
            n(tt.rows_party_flagged as f64),
            n(tt.value),
            n(tt.flagged_value),
        ]],
    ));
    if !r.left_out.is_empty() {
        h.push_str("<p class=\"note\">Left out: ");
        h.push_str(&esc(&r.left_out.join("; ")));
        h.push_str(".</p>");
    }

    h.push_str("<h2>Flagged goods by category</h2>");
    let cats: Vec<String> = r.by_category.keys().cloned().collect();
    let months: Vec<String> = {
        let mut m: Vec<String> = r
            .by_category
            .values()
            .flat_map(|c| c.by_month.keys().cloned())
            .collect();
        m.sort();
        m.dedup();
        m
    };
    if !months.is_empty() {
        let series = |value: bool| -> Vec<(String, Vec<f64>)> {
            r.by_category
                .iter()
                .map(|(c, agg)| {
                    let v = months
                        .iter()
                        .map(|m| {
                            agg.by_month.get(m).map_or(0.0, |x| {
                                if value {
                                    x.value
                                } else {
                                    x.rows as f64
                                }
                            })
                        })
                        .collect();
                    (c.clone(), v)
                })
                .collect()
        };
        h.push_str("<h3>Flagged rows per month</h3>");
        h.push_str(&stacked(&months, &series(false), "flagged rows per month"));
        h.push_str(&legend(&cats));
        h.push_str("<h3>Flagged declared value per month</h3>");
        h.push_str(&stacked(&months, &series(true), "flagged value per month"));
        h.push_str(&legend(&cats));
    }
    let rows: Vec<Vec<(String, Option<f64>)>> = r
        .by_category
        .iter()
        .map(|(c, a)| vec![t(c.clone()), n(a.rows as f64), n(a.value)])
        .collect();
    h.push_str(&table(
        &["category", "flagged rows", "flagged value"],
        &rows,
    ));

    h.push_str("<h2>Anomalies</h2>");
    if r.anomalies.is_empty() {
        h.push_str("<p class=\"note\">No party tripped a flag.</p>");
    } else {
        let rows: Vec<Vec<(String, Option<f64>)>> = r
            .anomalies
            .iter()
            .flat_map(|a| {
                a.flags.iter().map(move |f| {
                    let figs: Vec<String> = f
                        .figures
                        .iter()
                        .map(|(k, v)| match v.as_f64().filter(|x| x.fract() != 0.0) {
                            Some(x) => format!("{k}={x:.3}"),
                            None => format!("{k}={v}"),
                        })
                        .collect();
                    vec![t(a.name.clone()), t(a.role), t(f.id), t(figs.join(", "))]
                })
            })
            .collect();
        h.push_str(&table(&["party", "role", "flag", "figures"], &rows));
    }

    if !r.watchlist.is_empty() || r.totals.rows_party_flagged > 0 {
        h.push_str("<h2>Parties on watch lists</h2>");
        let rows: Vec<Vec<(String, Option<f64>)>> = r
            .watchlist
            .iter()
            .take(r.thresholds.top.max(50))
            .map(|w| {
                vec![
                    t(w.name.clone()),
                    t(format!("{}:{}", w.list, w.id)),
                    n(w.rows as f64),
                    t(w.fields.join(", ")),
                    t(w.spellings.join(" | ")),
                ]
            })
            .collect();
        h.push_str(&table(
            &["entry", "list:id", "rows", "columns", "written as"],
            &rows,
        ));
    }

    h.push_str("<h2>Top parties by flagged value</h2>");
    let top: Vec<&super::Party> = r
        .parties
        .iter()
        .filter(|p| p.flagged_rows > 0)
        .take(r.thresholds.top)
        .collect();
    if top.is_empty() {
        h.push_str("<p class=\"note\">No flagged rows with a party.</p>");
    } else {
        let rows: Vec<Vec<(String, Option<f64>)>> = top
            .iter()
            .map(|p| {
                let cats: Vec<String> = p
                    .categories
                    .iter()
                    .map(|(c, k)| format!("{c} {k}"))
                    .collect();
                let flags: Vec<&str> = p.flags.iter().map(|f| f.id).collect();
                vec![
                    t(p.name.clone()),
                    t(p.role),
                    t(p.spellings.join(" | ")),
                    n(p.rows as f64),
                    n(p.flagged_rows as f64),
                    n(p.flagged_value),
                    t(cats.join(", ")),
                    t(p.first_seen.clone().unwrap_or_default()),
                    t(p.first_flagged.clone().unwrap_or_default()),
                    t(flags.join(", ")),
                ]
            })
            .collect();
        h.push_str(&table(
            &[
                "party",
                "role",
                "spellings",
                "rows",
                "flagged rows",
                "flagged value",
                "categories",
                "first seen",
                "first flagged",
                "flags",
            ],
            &rows,
        ));
    }

    h.push_str("<h2>Routes of flagged goods (origin → trading country)</h2>");
    let items: Vec<(String, f64)> = r
        .routes
        .iter()
        .take(r.thresholds.top)
        .map(|x| (format!("{} → {}", x.origin, x.trading), x.rows as f64))
        .collect();
    h.push_str(&hbars(&items));
    let rows: Vec<Vec<(String, Option<f64>)>> = r
        .routes
        .iter()
        .take(r.thresholds.top)
        .map(|x| {
            vec![
                t(x.origin.clone()),
                t(x.trading.clone()),
                n(x.rows as f64),
                n(x.value),
            ]
        })
        .collect();
    h.push_str(&table(
        &["origin", "trading", "flagged rows", "flagged value"],
        &rows,
    ));

    h.push_str("<h2>Top HS-6 codes of flagged goods</h2>");
    h.push_str(&counts_table("HS-6", &r.codes));
    h.push_str("<h2>Manufacturers and part numbers</h2>");
    if r.manufacturers.is_empty() && r.parts.is_empty() {
        h.push_str("<p class=\"note\">None found among the flagged rows.</p>");
    } else {
        h.push_str(&counts_table("manufacturer", &r.manufacturers));
        h.push_str(&counts_table("part number", &r.parts));
    }

    h.push_str("<h2>Declared under several codes (code shopping)</h2>");
    let rows: Vec<Vec<(String, Option<f64>)>> = r
        .code_shopping
        .iter()
        .take(r.thresholds.top)
        .map(|c| {
            let codes: Vec<String> = c.codes.iter().map(|(k, v)| format!("{k} ({v})")).collect();
            vec![
                t(c.kind),
                t(c.key.clone()),
                t(codes.join(", ")),
                n(c.rows as f64),
                t(c.parties.join(" | ")),
            ]
        })
        .collect();
    h.push_str(&table(
        &["kind", "goods", "HS-6 codes (rows)", "rows", "parties"],
        &rows,
    ));

    h.push_str("<h2>Misdeclarations</h2>");
    let rows: Vec<Vec<(String, Option<f64>)>> = r
        .misdeclarations
        .iter()
        .take(200)
        .map(|m| {
            vec![
                n(m.row as f64),
                t(m.id.clone().unwrap_or_default()),
                t(m.hs.clone()),
                t(m.categories.join(", ")),
                t(m.evidence.join(" | ")),
                t(m.importer.clone().unwrap_or_default()),
            ]
        })
        .collect();
    h.push_str(&table(
        &[
            "row",
            "id",
            "declared code",
            "categories",
            "evidence",
            "importer",
        ],
        &rows,
    ));
    let _ = writeln!(h, "<script>{SCRIPT}</script></body></html>");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_input_is_escaped() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }

    #[test]
    fn numbers_group_thousands() {
        assert_eq!(num(1234567.0), "1 234 567");
        assert_eq!(num(-1234.0), "-1 234");
        assert_eq!(num(12.5), "12.50");
        assert_eq!(num(756182733.56), "756 182 734");
    }
}
