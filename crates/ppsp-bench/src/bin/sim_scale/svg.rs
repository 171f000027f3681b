//! A hand-written SVG chart of source upload ratio (left axis) and mean and minimum
//! continuity index (right axis) against swarm size on a log-scale x axis. Plain SVG text,
//! so the benchmark needs no plotting dependency and the chart diffs as text.

use std::fmt::Write;

use crate::report::RunResult;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 380.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 70.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 60.0;
const UPLOAD_COLOUR: &str = "#1f77b4";
const MEAN_COLOUR: &str = "#d62728";
const MIN_COLOUR: &str = "#ff9896";

/// The chart of the completed runs in `results`, with `title`.
pub(crate) fn chart(results: &[RunResult], title: &str) -> String {
    let runs: Vec<&RunResult> = results.iter().filter(|r| r.completed).collect();
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="22" text-anchor="middle" font-size="14">{}</text>"#,
        WIDTH / 2.0,
        escape(title)
    );
    let aborted: Vec<String> = results
        .iter()
        .filter(|r| !r.completed)
        .map(|r| r.receivers.to_string())
        .collect();
    if !aborted.is_empty() {
        let _ = writeln!(
            svg,
            r##"<text x="{}" y="{}" text-anchor="end" fill="#666">not completed within the run limits: {}</text>"##,
            WIDTH - RIGHT,
            TOP - 6.0,
            aborted.join(", ")
        );
    }
    let axes = Axes::new(&runs);
    axes.draw(&mut svg);
    let upload: Vec<(f64, f64)> = runs
        .iter()
        .filter_map(|r| Some((r.receivers as f64, r.source_upload_ratio?)))
        .collect();
    let mean: Vec<(f64, f64)> = runs
        .iter()
        .filter_map(|r| Some((r.receivers as f64, r.continuity_mean?)))
        .collect();
    let min: Vec<(f64, f64)> = runs
        .iter()
        .filter_map(|r| Some((r.receivers as f64, r.continuity_min?)))
        .collect();
    series(&mut svg, &upload, |p| axes.left_point(p), UPLOAD_COLOUR, "");
    series(&mut svg, &mean, |p| axes.right_point(p), MEAN_COLOUR, "");
    series(
        &mut svg,
        &min,
        |p| axes.right_point(p),
        MIN_COLOUR,
        r#" stroke-dasharray="5,4""#,
    );
    legend(&mut svg);
    svg.push_str("</svg>\n");
    svg
}

/// Scales: log10 of swarm size on x, upload ratio from 0 on the left, continuity 0..1 on
/// the right.
struct Axes {
    x_min: f64,
    x_max: f64,
    upload_max: f64,
}

impl Axes {
    fn new(runs: &[&RunResult]) -> Self {
        let sizes = runs.iter().map(|r| r.receivers as f64);
        let low = sizes.clone().fold(f64::INFINITY, f64::min);
        let high = sizes.fold(0.0, f64::max);
        let (low, high) = if low.is_finite() {
            (low, high)
        } else {
            (10.0, 1000.0)
        };
        let upload = runs
            .iter()
            .filter_map(|r| r.source_upload_ratio)
            .fold(1.0, f64::max);
        Self {
            x_min: 10_f64.powf(low.log10().floor()),
            x_max: 10_f64.powf(high.log10().ceil().max(low.log10().floor() + 1.0)),
            upload_max: (upload * 1.2).ceil(),
        }
    }

    fn x(&self, size: f64) -> f64 {
        let span = self.x_max.log10() - self.x_min.log10();
        LEFT + (size.log10() - self.x_min.log10()) / span * (WIDTH - LEFT - RIGHT)
    }

    fn y(fraction: f64) -> f64 {
        HEIGHT - BOTTOM - fraction * (HEIGHT - TOP - BOTTOM)
    }

    fn left_point(&self, (size, upload): (f64, f64)) -> (f64, f64) {
        (self.x(size), Self::y(upload / self.upload_max))
    }

    fn right_point(&self, (size, continuity): (f64, f64)) -> (f64, f64) {
        (self.x(size), Self::y(continuity))
    }

    fn draw(&self, svg: &mut String) {
        let (x0, x1, y0, y1) = (LEFT, WIDTH - RIGHT, Self::y(0.0), Self::y(1.0));
        let _ = writeln!(
            svg,
            r##"<rect x="{x0}" y="{y1}" width="{}" height="{}" fill="none" stroke="#444"/>"##,
            x1 - x0,
            y0 - y1
        );
        let mut decade = self.x_min;
        while decade <= self.x_max * 1.000_001 {
            let x = self.x(decade);
            let _ = writeln!(
                svg,
                r##"<line x1="{x:.1}" y1="{y0}" x2="{x:.1}" y2="{y1}" stroke="#ddd"/><text x="{x:.1}" y="{}" text-anchor="middle">{decade}</text>"##,
                y0 + 16.0
            );
            decade *= 10.0;
        }
        for tick in 0..=4 {
            let fraction = f64::from(tick) / 4.0;
            let y = Self::y(fraction);
            let _ = writeln!(
                svg,
                r##"<line x1="{x0}" y1="{y:.1}" x2="{x1}" y2="{y:.1}" stroke="#eee"/><text x="{}" y="{:.1}" text-anchor="end" fill="{UPLOAD_COLOUR}">{:.2}</text><text x="{}" y="{:.1}" fill="{MEAN_COLOUR}">{:.2}</text>"##,
                x0 - 6.0,
                y + 4.0,
                fraction * self.upload_max,
                x1 + 6.0,
                y + 4.0,
                fraction
            );
        }
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="middle">receivers (log scale)</text>"#,
            (x0 + x1) / 2.0,
            HEIGHT - 22.0
        );
        let mid = (y0 + y1) / 2.0;
        let _ = writeln!(
            svg,
            r#"<text transform="translate(20,{mid}) rotate(-90)" text-anchor="middle" fill="{UPLOAD_COLOUR}">source upload (copies of the stream)</text>"#
        );
        let _ = writeln!(
            svg,
            r#"<text transform="translate({},{mid}) rotate(90)" text-anchor="middle" fill="{MEAN_COLOUR}">continuity index</text>"#,
            WIDTH - 18.0
        );
    }
}

fn series(
    svg: &mut String,
    points: &[(f64, f64)],
    place: impl Fn((f64, f64)) -> (f64, f64),
    colour: &str,
    extra: &str,
) {
    if points.is_empty() {
        return;
    }
    let placed: Vec<(f64, f64)> = points.iter().map(|&p| place(p)).collect();
    let path: Vec<String> = placed
        .iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect();
    let _ = writeln!(
        svg,
        r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"{extra}/>"#,
        path.join(" ")
    );
    for (x, y) in placed {
        let _ = writeln!(
            svg,
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="3.5" fill="{colour}"/>"#
        );
    }
}

fn legend(svg: &mut String) {
    let entries = [
        (UPLOAD_COLOUR, "", "source upload ratio (left)"),
        (MEAN_COLOUR, "", "continuity, mean (right)"),
        (
            MIN_COLOUR,
            r#" stroke-dasharray="5,4""#,
            "continuity, minimum (right)",
        ),
    ];
    for (i, (colour, dash, label)) in entries.iter().enumerate() {
        // Bottom left: continuity sits near the top and upload near the middle.
        let y = HEIGHT - BOTTOM - 52.0 + 16.0 * i as f64;
        let x = LEFT + 10.0;
        let _ = writeln!(
            svg,
            r#"<line x1="{x}" y1="{y}" x2="{}" y2="{y}" stroke="{colour}" stroke-width="2"{dash}/><text x="{}" y="{}">{label}</text>"#,
            x + 24.0,
            x + 30.0,
            y + 4.0
        );
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
