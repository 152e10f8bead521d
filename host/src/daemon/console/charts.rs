//! Charts as server-side SVG (no script, no chart library): bars per scan,
//! paired bars per rate bucket and run, and the runs' timeline. Every label is
//! escaped by maud; colours come from the stylesheet's classes.

use maud::{Markup, html};

const W: f64 = 640.0;
const H: f64 = 180.0;
const LEFT: f64 = 48.0;
const BOTTOM: f64 = 28.0;
const TOP: f64 = 12.0;

/// A "nice" upper bound for an axis holding `max`.
fn ceiling(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let mag = 10f64.powf(max.log10().floor());
    // Steps whose quarters are short numbers (the axis has four ticks).
    for step in [1.0, 2.0, 4.0, 8.0, 10.0] {
        if step * mag >= max {
            return step * mag;
        }
    }
    10.0 * mag
}

fn short(v: f64) -> String {
    if v >= 1_000_000.0 {
        format!("{:.1}M", v / 1_000_000.0)
    } else if v >= 10_000.0 {
        format!("{:.0}k", v / 1_000.0)
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        let t = format!("{v:.2}");
        t.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn axis(top: f64) -> Markup {
    let plot_h = H - BOTTOM - TOP;
    html! {
        @for i in 0..=4 {
            @let v = top * f64::from(i) / 4.0;
            @let y = TOP + plot_h - plot_h * f64::from(i) / 4.0;
            line class="grid" x1=(LEFT) x2=(W - 4.0) y1=(y) y2=(y) {}
            text class="tick" x=(LEFT - 6.0) y=(y + 4.0) text-anchor="end" { (short(v)) }
        }
    }
}

/// One series of bars (`label`, value), oldest first; `unit` follows the
/// values in the accessible description.
pub(super) fn bars(id: &str, title: &str, unit: &str, items: &[(String, f64)]) -> Markup {
    if items.is_empty() {
        return html! { p class="muted" { "No data yet." } };
    }
    let max = items.iter().map(|(_, v)| *v).fold(0.0, f64::max);
    let top = ceiling(max);
    let plot_h = H - BOTTOM - TOP;
    let slot = (W - LEFT - 4.0) / items.len() as f64;
    let bar = (slot * 0.7).max(1.0);
    let desc = items
        .iter()
        .map(|(l, v)| format!("{l}: {} {unit}", short(*v)))
        .collect::<Vec<_>>()
        .join("; ");
    let every = (items.len() / 8).max(1);
    html! {
        figure class="chart" {
            svg viewBox={"0 0 " (W) " " (H)} role="img" aria-labelledby={(id) "-t " (id) "-d"} {
                title id={(id) "-t"} { (title) }
                desc id={(id) "-d"} { (desc) }
                (axis(top))
                @for (i, (label, v)) in items.iter().enumerate() {
                    @let h = plot_h * v / top;
                    @let x = LEFT + slot * i as f64 + (slot - bar) / 2.0;
                    rect class="bar" x=(x) y=(TOP + plot_h - h) width=(bar) height=(h) {
                        title { (label) ": " (short(*v)) " " (unit) }
                    }
                    @if i % every == 0 {
                        text class="tick" x=(x + bar / 2.0) y=(H - 10.0) text-anchor="middle" { (label) }
                    }
                }
            }
            figcaption { (title) }
        }
    }
}

/// Two series per slot (requests, 429s), oldest first.
pub(super) fn paired(id: &str, title: &str, items: &[(String, f64, f64)]) -> Markup {
    if items.is_empty() {
        return html! { p class="muted" { "No traffic recorded." } };
    }
    let max = items.iter().map(|(_, a, b)| a.max(*b)).fold(0.0, f64::max);
    let top = ceiling(max);
    let plot_h = H - BOTTOM - TOP;
    let slot = (W - LEFT - 4.0) / items.len() as f64;
    let bar = (slot * 0.38).max(1.0);
    let desc = items
        .iter()
        .map(|(l, a, b)| format!("{l}: {} requests, {} throttled (429)", short(*a), short(*b)))
        .collect::<Vec<_>>()
        .join("; ");
    let every = (items.len() / 6).max(1);
    html! {
        figure class="chart" {
            svg viewBox={"0 0 " (W) " " (H)} role="img" aria-labelledby={(id) "-t " (id) "-d"} {
                title id={(id) "-t"} { (title) }
                desc id={(id) "-d"} { (desc) }
                (axis(top))
                @for (i, (label, a, b)) in items.iter().enumerate() {
                    @let x = LEFT + slot * i as f64 + slot * 0.1;
                    @let ha = plot_h * a / top;
                    @let hb = plot_h * b / top;
                    rect class="bar" x=(x) y=(TOP + plot_h - ha) width=(bar) height=(ha) {
                        title { (label) ": " (short(*a)) " requests" }
                    }
                    rect class="bar bar-bad" x=(x + bar) y=(TOP + plot_h - hb) width=(bar) height=(hb) {
                        title { (label) ": " (short(*b)) " throttled (429)" }
                    }
                    @if i % every == 0 {
                        text class="tick" x=(x + bar) y=(H - 10.0) text-anchor="middle" { (label) }
                    }
                }
            }
            figcaption {
                (title) " "
                span class="key key-ok" { "requests" } " "
                span class="key key-bad" { "429 answers" }
            }
        }
    }
}

/// One run on the timeline: label, start and end (seconds since the
/// first run's start), and its status class (`ok`, `bad`, `warn`, `idle`).
pub(super) struct Span {
    pub label: String,
    pub start: f64,
    pub end: f64,
    pub class: &'static str,
}

/// The runs on one time axis, one row each (newest last).
pub(super) fn timeline(id: &str, title: &str, spans: &[Span]) -> Markup {
    if spans.is_empty() {
        return html! { p class="muted" { "No runs yet." } };
    }
    let end = spans.iter().map(|s| s.end).fold(0.0, f64::max).max(0.001);
    let row = 18.0;
    let h = TOP + row * spans.len() as f64 + BOTTOM;
    let w = 2.0 * W;
    let plot_w = w - LEFT - 140.0;
    let x = |t: f64| LEFT + 136.0 + plot_w * t / end;
    html! {
        figure class="chart" {
            svg viewBox={"0 0 " (w) " " (h)} role="img" aria-labelledby={(id) "-t"} {
                title id={(id) "-t"} { (title) }
                @for (i, s) in spans.iter().enumerate() {
                    @let y = TOP + row * i as f64;
                    text class="tick" x=(LEFT + 130.0) y=(y + 12.0) text-anchor="end" { (s.label) }
                    rect class={"span span-" (s.class)} x=(x(s.start)) y=(y + 3.0) width=((x(s.end) - x(s.start)).max(2.0)) height=(row - 6.0) {
                        title { (s.label) ": " (short(s.end - s.start)) " s" }
                    }
                }
                line class="grid" x1=(x(0.0)) x2=(x(end)) y1=(h - BOTTOM + 4.0) y2=(h - BOTTOM + 4.0) {}
                text class="tick" x=(x(0.0)) y=(h - 8.0) text-anchor="start" { "0 s" }
                text class="tick" x=(x(end)) y=(h - 8.0) text-anchor="end" { (short(end)) " s" }
            }
            figcaption { (title) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_round_up_to_a_readable_bound() {
        assert_eq!(ceiling(0.0), 1.0);
        assert_eq!(ceiling(7.0), 8.0);
        assert_eq!(ceiling(120.0), 200.0);
        assert_eq!(ceiling(2_400.0), 4_000.0);
        assert_eq!(short(0.25), "0.25");
        assert_eq!(short(1.5), "1.5");
    }

    #[test]
    fn a_hostile_label_is_escaped_in_the_svg() {
        let svg = bars("c", "t", "s", &[("<script>x</script>".into(), 3.0)]).into_string();
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(svg.contains("&lt;script&gt;"), "{svg}");
    }
}
