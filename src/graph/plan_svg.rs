//! [`Plan::to_svg`]: a plan's DAG as an SVG picture (`PlanFormat::Svg`).
//!
//! Tasks are labelled boxes, edges arrows; dependencies stand left of their dependents, one
//! column per layer. [`plan_layout`](super::plan_layout) decides where things go (layout-rs
//! for plans people read, a layered layout of our own for big ones; the picture says
//! which in `data-layout`); this file writes the markup, the same for both.
//!
//! The markup is meant to be read by programs too: each task is a
//! `<g class="task" data-key="…" data-kind="…">` holding a `<title>` (label, key and kind:
//! the tooltip), its box and its texts (label, key); a fallback task also has the class
//! `fallback` (dashed). Each edge is a `<path class="edge" data-from="…" data-to="…">`. The
//! look is in a `<style>` block of CSS classes, so a web page can restyle it. A plan
//! without tasks is a small picture saying "empty plan".

use std::fmt::Write as _;

use super::plan_layout::{self, Curve, Drawing, LayoutInput, Pt};
use super::svg::{Num, escape, shorten, text_width};
use super::{Plan, PlanTask};

/// Size of a box's label, px.
const LABEL_PX: f64 = 13.0;
/// Size of a box's key, px (monospace).
const KEY_PX: f64 = 11.0;
/// The height of every box.
const BOX_HEIGHT: f64 = 40.0;
/// Room left and right of a box's texts.
const BOX_PADDING: f64 = 10.0;
/// The narrowest box.
const MIN_BOX_WIDTH: f64 = 80.0;
/// Longer labels and keys are cut (the `<title>` keeps them whole).
const MAX_CHARS: usize = 60;
/// Room around the drawing.
const MARGIN: f64 = 16.0;

const STYLE: &str = "\
.hero-plan{font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif}\
.hero-plan .task rect{fill:#f6f8fa;stroke:#57606a;stroke-width:1.2}\
.hero-plan .task.fallback rect{fill:#ffffff;stroke-dasharray:4 3}\
.hero-plan .label{font-size:13px;fill:#1f2328}\
.hero-plan .key{font-size:11px;font-family:ui-monospace,Menlo,Consolas,monospace;fill:#656d76}\
.hero-plan .edge{fill:none;stroke:#8c959f;stroke-width:1.2}\
.hero-plan .edge.fallback{stroke-dasharray:4 3}\
.hero-plan .arrowhead{fill:#8c959f}\
.hero-plan .empty{font-size:14px;fill:#656d76}";

impl<T: PlanTask> Plan<T> {
    /// The plan as an SVG picture: its DAG laid out left to right, every task a box with
    /// its label and key. Never fails; a plan of thousands of tasks draws at once (a
    /// simpler layout above a size threshold). See the [module docs](super::plan_svg).
    pub fn to_svg(&self) -> String {
        if self.is_empty() {
            return empty_svg();
        }
        let texts: Vec<(String, String)> = self
            .nodes()
            .iter()
            .map(|n| {
                (
                    shorten(&n.label, MAX_CHARS),
                    shorten(n.key.as_str(), MAX_CHARS),
                )
            })
            .collect();
        let sizes: Vec<(f64, f64)> = texts
            .iter()
            .map(|(label, key)| {
                let text = text_width(label, LABEL_PX).max(text_width(key, KEY_PX));
                (
                    (text + 2.0 * BOX_PADDING).max(MIN_BOX_WIDTH).ceil(),
                    BOX_HEIGHT,
                )
            })
            .collect();
        let edges: Vec<(u32, u32)> = self
            .topological_order()
            .iter()
            .flat_map(|&i| self.dependents(i as usize).iter().map(move |&d| (i, d)))
            .collect();
        let input = LayoutInput {
            sizes: &sizes,
            edges: &edges,
            order: self.topological_order(),
        };
        let drawing = plan_layout::should_use_layout_rs(&input)
            .then(|| plan_layout::with_layout_rs(&input))
            .flatten()
            .unwrap_or_else(|| plan_layout::layered(&input));
        self.write_svg(&drawing, &texts, &edges)
    }

    fn write_svg(
        &self,
        drawing: &Drawing,
        texts: &[(String, String)],
        edges: &[(u32, u32)],
    ) -> String {
        // Move the drawing into view: its bounding box, margins around.
        let mut min = Pt {
            x: f64::INFINITY,
            y: f64::INFINITY,
        };
        let mut max = Pt {
            x: f64::NEG_INFINITY,
            y: f64::NEG_INFINITY,
        };
        let mut grow = |p: Pt| {
            if p.x.is_finite() && p.y.is_finite() {
                min = Pt {
                    x: min.x.min(p.x),
                    y: min.y.min(p.y),
                };
                max = Pt {
                    x: max.x.max(p.x),
                    y: max.y.max(p.y),
                };
            }
        };
        for r in &drawing.boxes {
            grow(Pt { x: r.x, y: r.y });
            grow(Pt {
                x: r.x + r.w,
                y: r.y + r.h,
            });
        }
        for c in &drawing.curves {
            c.points().into_iter().for_each(&mut grow);
        }
        if !min.x.is_finite() {
            min = Pt { x: 0.0, y: 0.0 };
            max = min;
        }
        let (dx, dy) = (MARGIN - min.x, MARGIN - min.y);
        let at = |p: Pt| (Num(p.x + dx), Num(p.y + dy));
        let width = Num((max.x - min.x + 2.0 * MARGIN).ceil());
        let height = Num((max.y - min.y + 2.0 * MARGIN).ceil());

        let mut out = String::new();
        let _ = writeln!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="hero-plan" data-layout="{}" width="{width}" height="{height}" viewBox="0 0 {width} {height}">"#,
            drawing.engine.as_str()
        );
        let _ = writeln!(
            out,
            "<title>plan: {} tasks, {} edges</title>",
            self.len(),
            self.edge_count()
        );
        let _ = writeln!(out, "<style>{STYLE}</style>");
        out.push_str(
            "<defs><marker id=\"hero-plan-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" \
             markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">\
             <path class=\"arrowhead\" d=\"M0,0 L10,5 L0,10 z\"/></marker></defs>\n",
        );

        out.push_str("<g class=\"edges\">\n");
        for (&(a, b), curve) in edges.iter().zip(&drawing.curves) {
            let Some(d) = path_data(curve, &at) else {
                continue;
            };
            let fallback = if self.is_dormant(a as usize) || self.is_dormant(b as usize) {
                " fallback"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                r#"<path class="edge{fallback}" data-from="{}" data-to="{}" d="{d}" marker-end="url(#hero-plan-arrow)"/>"#,
                escape(self.node(a as usize).key.as_str()),
                escape(self.node(b as usize).key.as_str()),
            );
        }
        out.push_str("</g>\n<g class=\"tasks\">\n");
        for (i, (node, r)) in self.nodes().iter().zip(&drawing.boxes).enumerate() {
            let (label, key) = &texts[i];
            let fallback = self.is_dormant(i);
            let (x, y) = at(Pt { x: r.x, y: r.y });
            let (cx, _) = at(Pt {
                x: r.x + r.w / 2.0,
                y: r.y,
            });
            let (_, label_y) = at(Pt {
                x: r.x,
                y: r.y + r.h * 0.42,
            });
            let (_, key_y) = at(Pt {
                x: r.x,
                y: r.y + r.h * 0.8,
            });
            let _ = writeln!(
                out,
                r#"<g class="task{}" data-key="{}" data-kind="{}"><title>{} [{}] ({}){}</title><rect x="{x}" y="{y}" width="{}" height="{}" rx="4"/><text class="label" x="{cx}" y="{label_y}" text-anchor="middle">{}</text><text class="key" x="{cx}" y="{key_y}" text-anchor="middle">{}</text></g>"#,
                if fallback { " fallback" } else { "" },
                escape(node.key.as_str()),
                escape(node.kind),
                escape(&node.label),
                escape(node.key.as_str()),
                escape(node.kind),
                if fallback { " (fallback)" } else { "" },
                Num(r.w),
                Num(r.h),
                escape(label),
                escape(key),
            );
        }
        out.push_str("</g>\n</svg>\n");
        out
    }
}

/// The `d` of an arrow; `None` for a curve without two points.
fn path_data(curve: &Curve, at: &impl Fn(Pt) -> (Num, Num)) -> Option<String> {
    let mut d = String::new();
    match curve {
        Curve::Line(a, b) => {
            let ((ax, ay), (bx, by)) = (at(*a), at(*b));
            let _ = write!(d, "M{ax},{ay} L{bx},{by}");
        }
        Curve::Bezier(pairs) => {
            let [(p0, c0), (c1, p1), rest @ ..] = pairs.as_slice() else {
                return None;
            };
            let [(p0x, p0y), (c0x, c0y), (c1x, c1y), (p1x, p1y)] =
                [at(*p0), at(*c0), at(*c1), at(*p1)];
            let _ = write!(d, "M{p0x},{p0y} C{c0x},{c0y} {c1x},{c1y} {p1x},{p1y}");
            for &(c, p) in rest {
                let ((cx, cy), (px, py)) = (at(c), at(p));
                let _ = write!(d, " S{cx},{cy} {px},{py}");
            }
        }
    }
    Some(d)
}

/// The picture of a plan without tasks.
fn empty_svg() -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"hero-plan\" width=\"240\" height=\"60\" viewBox=\"0 0 240 60\">\n\
         <title>plan: 0 tasks</title>\n<style>{STYLE}</style>\n\
         <text class=\"empty\" x=\"120\" y=\"35\" text-anchor=\"middle\">empty plan</text>\n</svg>\n"
    )
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use crate::graph::svg::check::{by_key, has_class, parse, text_of};
    use crate::graph::toy_task::ToyTask;
    use crate::graph::{Fallback, Plan, PlanBuilder, PlanFormat, TaskKey};

    /// Every task of `plan` is in `svg`: a group with its key, its label and key in the
    /// title and as the box's texts; and one arrow per edge.
    fn assert_every_task_drawn(plan: &Plan<ToyTask>, svg: &str) {
        let doc = parse(svg);
        for node in plan.nodes() {
            let g = by_key(&doc, node.key.as_str());
            assert!(has_class(g, "task"));
            let title = text_of(g, "title", None).unwrap_or_default();
            assert!(
                title.starts_with(&format!("{} [{}]", node.label, node.key)),
                "{title:?}"
            );
            assert_eq!(text_of(g, "text", Some("label")), Some(&*node.label));
            assert_eq!(text_of(g, "text", Some("key")), Some(node.key.as_str()));
        }
        let edges = doc
            .descendants()
            .filter(|n| n.tag_name().name() == "path" && has_class(*n, "edge"))
            .count();
        assert_eq!(edges, plan.edge_count());
    }

    /// The left edge of task `key`'s box.
    fn box_x(doc: &roxmltree::Document<'_>, key: &str) -> f64 {
        by_key(doc, key)
            .children()
            .find(|n| n.tag_name().name() == "rect")
            .and_then(|n| n.attribute("x"))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no box for {key}"))
    }

    #[test]
    fn a_small_plan_is_a_picture_of_its_dag_with_every_text_escaped() {
        let odd = r#"fetch <a> & "b" 'c'"#;
        let mut b = PlanBuilder::<ToyTask>::new();
        let a = b.add(ToyTask::new("fetch:<a&b>").label(odd));
        let l = b.add_after(ToyTask::new("left").label("left"), [&a]);
        let r = b.add_after(ToyTask::new("right").label("ünïcode ✓"), [&a]);
        b.add_after(ToyTask::new("join").label("join"), [&l, &r]);
        let plan = b.build().unwrap();
        let svg = plan.render(PlanFormat::Svg);
        assert_eq!(svg, plan.to_svg());
        assert_every_task_drawn(&plan, &svg);

        let doc = parse(&svg);
        assert_eq!(
            doc.root_element().attribute("data-layout"),
            Some("layout-rs")
        );
        let fetch = by_key(&doc, "fetch:<a&b>");
        assert_eq!(text_of(fetch, "text", Some("label")), Some(odd));
        let edge = doc
            .descendants()
            .find(|n| n.attribute("data-from") == Some("fetch:<a&b>"))
            .unwrap();
        assert!(has_class(edge, "edge"));
        // Dependencies stand left of their dependents.
        assert!(box_x(&doc, "fetch:<a&b>") < box_x(&doc, "left"));
        assert!(box_x(&doc, "right") < box_x(&doc, "join"));
    }

    #[test]
    fn texts_are_one_line_and_long_ones_cut_but_whole_in_the_title() {
        let long = "x".repeat(200);
        let mut b = PlanBuilder::<ToyTask>::new();
        b.add(ToyTask::new("tab").label("one\ttwo\nthree"));
        b.add(ToyTask::new("long").label(&long));
        let plan = b.build().unwrap();
        let svg = plan.to_svg();
        let doc = parse(&svg);
        let tab = by_key(&doc, "tab");
        assert_eq!(text_of(tab, "text", Some("label")), Some("one two three"));
        let long_g = by_key(&doc, "long");
        let shown = text_of(long_g, "text", Some("label")).unwrap();
        assert!(shown.ends_with('…') && shown.chars().count() == super::MAX_CHARS);
        assert!(text_of(long_g, "title", None).unwrap().contains(&long));
    }

    #[test]
    fn fallback_tasks_are_marked() {
        let mut b = PlanBuilder::<ToyTask>::new();
        let download = b.add(ToyTask::new("download"));
        let build = b.add(ToyTask::new("build"));
        b.add_after(ToyTask::new("install"), [&download]);
        b.fallback(Fallback {
            primary: vec![download.clone()],
            primary_tail: download,
            branch: vec![build.clone()],
            branch_tail: build,
        });
        let plan = b.build().unwrap();
        let svg = plan.to_svg();
        let doc = parse(&svg);
        assert!(has_class(by_key(&doc, "build"), "fallback"));
        assert!(!has_class(by_key(&doc, "download"), "fallback"));
        assert_every_task_drawn(&plan, &svg);
    }

    /// A random DAG of `n` tasks, each after up to three earlier ones.
    fn random_plan(n: usize, seed: u64) -> Plan<ToyTask> {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut b = PlanBuilder::<ToyTask>::new();
        let mut keys: Vec<TaskKey> = Vec::with_capacity(n);
        for i in 0..n {
            let task = ToyTask::new(&format!("t{i}")).label(&format!("task {i} <&{}>", i % 7));
            let deps: Vec<TaskKey> = if i == 0 {
                Vec::new()
            } else {
                (0..rng.gen_range(0..=3))
                    .map(|_| keys[rng.gen_range(0..i)].clone())
                    .collect()
            };
            keys.push(b.add_after(task, &deps));
        }
        b.build().unwrap()
    }

    #[test]
    fn a_big_random_plan_draws_every_task_with_the_layered_layout() {
        let plan = random_plan(500, 7);
        let svg = plan.to_svg();
        let doc = parse(&svg);
        assert_eq!(doc.root_element().attribute("data-layout"), Some("layered"));
        assert_every_task_drawn(&plan, &svg);
        // Layered too: every edge goes left to right.
        for i in 0..plan.len() {
            for &d in plan.dependents(i) {
                let (a, b) = (&plan.node(i).key, &plan.node(d as usize).key);
                assert!(
                    box_x(&doc, a.as_str()) < box_x(&doc, b.as_str()),
                    "{a} → {b}"
                );
            }
        }
    }

    #[test]
    fn an_empty_plan_says_so() {
        let plan: Plan<ToyTask> = PlanBuilder::new().build().unwrap();
        let svg = plan.render(PlanFormat::Svg);
        let doc = parse(&svg);
        assert!(doc.descendants().any(|n| n.text() == Some("empty plan")));
    }

    #[test]
    fn svg_is_a_plan_format() {
        assert_eq!("svg".parse::<PlanFormat>(), Ok(PlanFormat::Svg));
        assert!("png".parse::<PlanFormat>().unwrap_err().contains("svg"));
    }
}
