//! Where the boxes and arrows of a plan's picture go: the geometry behind
//! [`Plan::to_svg`](super::Plan::to_svg), computed by one of two layouts.
//!
//! - **layout-rs** (the `layout-rs` crate, a Sugiyama-style layered layout with edge
//!   crossing reduction and curved edges) for the plans people read: up to a few hundred
//!   tasks. It lays out a `VisualGraph` built through its API (no DOT text) and "renders"
//!   into [`Collector`], a backend that only records where each box and arrow went; the
//!   markup is written by [`plan_svg`](super::plan_svg), the same for both layouts.
//! - **layered** (this file's own): longest-path layering, one column per layer, boxes
//!   stacked in each column in the order of their dependencies' positions (one
//!   barycenter sweep), straight arrows. Linear in tasks plus edges (plus a sort per
//!   column), so any plan draws at once.
//!
//! [`should_use_layout_rs`] picks one. layout-rs's cost is not linear: it adds a hidden
//! node on every layer an edge crosses, and its crossing reduction compares every pair of
//! nodes of a layer against the next layer, fifty rounds — cubic in the width of the
//! layers. Measured (release build, 2 cores): a random 200-task DAG (about 900 nodes with
//! the hidden ones) took 4 s, a random 1,000-task DAG did not finish in a minute, while
//! 100 random tasks took 0.4 s. So the plan goes to layout-rs only when, on our own
//! layering, its nodes (tasks plus hidden nodes) are at most [`MAX_LAYOUT_RS_NODES`] and
//! the crossing work (sum over adjacent layers of width² × next width) is at most
//! [`MAX_LAYOUT_RS_CROSSING_WORK`]; that keeps it well under a second. Every other plan,
//! and any plan layout-rs fails on (it asserts its invariants), gets the layered layout.

use std::panic::{AssertUnwindSafe, catch_unwind};

use layout::core::base::Orientation;
use layout::core::format::{ClipHandle, RenderBackend};
use layout::core::geometry::Point;
use layout::core::style::StyleAttr;
use layout::std_shapes::shapes::{Arrow, Element, ShapeKind};
use layout::topo::layout::VisualGraph;

/// The most nodes (tasks plus the hidden nodes of edges that span layers) handed to
/// layout-rs. See the [module docs](self).
pub(super) const MAX_LAYOUT_RS_NODES: usize = 600;

/// The most crossing-reduction work (sum over adjacent layers of width² × next width,
/// hidden nodes counted) handed to layout-rs. See the [module docs](self).
pub(super) const MAX_LAYOUT_RS_CROSSING_WORK: u64 = 400_000;

/// The room between two columns of the layered layout (where the arrows run).
const COLUMN_GAP: f64 = 70.0;
/// The room between two boxes of a column of the layered layout.
const ROW_GAP: f64 = 14.0;

/// A point of the picture, in px.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Pt {
    pub x: f64,
    pub y: f64,
}

/// A box: its top-left corner and its size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// The line of one arrow.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Curve {
    /// A straight line.
    Line(Pt, Pt),
    /// layout-rs's curve: the first pair is the start and its control point, each next
    /// pair a control point and the point it leads into (SVG `C`, then `S`).
    Bezier(Vec<(Pt, Pt)>),
}

impl Curve {
    /// Every point of the curve, control points included (they bound it).
    pub fn points(&self) -> Vec<Pt> {
        match self {
            Curve::Line(a, b) => vec![*a, *b],
            Curve::Bezier(pairs) => pairs.iter().flat_map(|&(a, b)| [a, b]).collect(),
        }
    }
}

/// Which layout placed a drawing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum LayoutEngine {
    /// The `layout-rs` crate.
    LayoutRs,
    /// The layered layout of this file.
    Layered,
}

impl LayoutEngine {
    /// The name written in the picture (`data-layout`).
    pub fn as_str(self) -> &'static str {
        match self {
            LayoutEngine::LayoutRs => "layout-rs",
            LayoutEngine::Layered => "layered",
        }
    }
}

/// What a layout is given: the size of every box, by task index, and the edges as
/// (before, after) index pairs, sources in topological order.
#[derive(Debug)]
pub(super) struct LayoutInput<'a> {
    /// Width and height of each task's box.
    pub sizes: &'a [(f64, f64)],
    /// The edges, grouped by source, sources in topological order.
    pub edges: &'a [(u32, u32)],
    /// Every task, dependencies first.
    pub order: &'a [u32],
}

/// Where everything went: a box per task and a curve per edge, in the order of
/// [`LayoutInput`]. Coordinates may start anywhere; the writer moves them into view.
#[derive(Debug)]
pub(super) struct Drawing {
    /// The box of each task, by index.
    pub boxes: Vec<Rect>,
    /// The curve of each edge, in the order of the input's edges.
    pub curves: Vec<Curve>,
    /// Which layout placed them.
    pub engine: LayoutEngine,
}

/// The layer of each task: 0 without dependencies, else one more than its deepest
/// dependency.
fn layers(input: &LayoutInput<'_>) -> Vec<usize> {
    let n = input.sizes.len();
    let mut layer = vec![0usize; n];
    // Edges are grouped by source in topological order: a source's layer is final before
    // its edges are seen.
    for &(a, b) in input.edges {
        let (a, b) = (a as usize, b as usize);
        if a < n && b < n {
            layer[b] = layer[b].max(layer[a] + 1);
        }
    }
    layer
}

/// Whether layout-rs lays the plan out in reasonable time. See the [module docs](self).
pub(super) fn should_use_layout_rs(input: &LayoutInput<'_>) -> bool {
    let n = input.sizes.len();
    if n > MAX_LAYOUT_RS_NODES {
        return false;
    }
    let layer = layers(input);
    let depth = layer.iter().max().map_or(0, |&d| d + 1);
    // Width of each layer, hidden nodes included: an edge from layer a to layer b adds one
    // to every layer strictly between (summed with a difference array).
    let mut diff = vec![0i64; depth + 1];
    for &(a, b) in input.edges {
        let (la, lb) = (layer[a as usize], layer[b as usize]);
        if lb > la + 1 {
            diff[la + 1] += 1;
            diff[lb] -= 1;
        }
    }
    let mut width = vec![0u64; depth];
    for &l in &layer {
        width[l] += 1;
    }
    let mut hidden = 0i64;
    for (l, w) in width.iter_mut().enumerate() {
        hidden += diff[l];
        *w += hidden.max(0) as u64;
    }
    let nodes: u64 = width.iter().sum();
    let crossing_work: u64 = width
        .windows(2)
        .map(|w| w[0].saturating_mul(w[0]).saturating_mul(w[1]))
        .fold(0, u64::saturating_add);
    nodes <= MAX_LAYOUT_RS_NODES as u64 && crossing_work <= MAX_LAYOUT_RS_CROSSING_WORK
}

/// Lays the plan out with the layered layout of this file. See the [module docs](self).
pub(super) fn layered(input: &LayoutInput<'_>) -> Drawing {
    let n = input.sizes.len();
    let layer = layers(input);
    let depth = layer.iter().max().map_or(0, |&d| d + 1);
    let mut deps: Vec<Vec<u32>> = vec![Vec::new(); n];
    for &(a, b) in input.edges {
        if (b as usize) < n {
            deps[b as usize].push(a);
        }
    }

    // Columns, tasks in topological order for now; their widths and heights.
    let mut columns: Vec<Vec<u32>> = vec![Vec::new(); depth];
    for &i in input.order {
        if (i as usize) < n {
            columns[layer[i as usize]].push(i);
        }
    }
    let column_width: Vec<f64> = columns
        .iter()
        .map(|c| {
            c.iter()
                .map(|&i| input.sizes[i as usize].0)
                .fold(0.0, f64::max)
        })
        .collect();
    let column_height = |c: &[u32]| -> f64 {
        let boxes: f64 = c.iter().map(|&i| input.sizes[i as usize].1).sum();
        boxes + ROW_GAP * c.len().saturating_sub(1) as f64
    };
    let tallest = columns.iter().map(|c| column_height(c)).fold(0.0, f64::max);

    let mut boxes = vec![
        Rect {
            x: 0.0,
            y: 0.0,
            w: 0.0,
            h: 0.0,
        };
        n
    ];
    let mut x = 0.0;
    for (l, column) in columns.iter_mut().enumerate() {
        // Each task goes near its dependencies: order by the mean height of their centers
        // (tasks of the first column keep the plan's order).
        if l > 0 {
            let mut keyed: Vec<(f64, u32)> = column
                .iter()
                .map(|&i| {
                    let d = &deps[i as usize];
                    let sum: f64 = d
                        .iter()
                        .map(|&p| {
                            let r = boxes[p as usize];
                            r.y + r.h / 2.0
                        })
                        .sum();
                    (sum / d.len().max(1) as f64, i)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            *column = keyed.into_iter().map(|(_, i)| i).collect();
        }
        let mut y = (tallest - column_height(column)) / 2.0;
        for &i in column.iter() {
            let (w, h) = input.sizes[i as usize];
            boxes[i as usize] = Rect {
                x: x + (column_width[l] - w) / 2.0,
                y,
                w,
                h,
            };
            y += h + ROW_GAP;
        }
        x += column_width[l] + COLUMN_GAP;
    }

    let curves = input
        .edges
        .iter()
        .map(|&(a, b)| {
            let (ra, rb) = (boxes[a as usize], boxes[b as usize]);
            Curve::Line(
                Pt {
                    x: ra.x + ra.w,
                    y: ra.y + ra.h / 2.0,
                },
                Pt {
                    x: rb.x,
                    y: rb.y + rb.h / 2.0,
                },
            )
        })
        .collect();
    Drawing {
        boxes,
        curves,
        engine: LayoutEngine::Layered,
    }
}

/// Lays the plan out with layout-rs, left to right; `None` when it fails (it panics on a
/// broken invariant of its own) or leaves a box or an arrow out.
pub(super) fn with_layout_rs(input: &LayoutInput<'_>) -> Option<Drawing> {
    catch_unwind(AssertUnwindSafe(|| layout_rs_unguarded(input))).ok()?
}

fn layout_rs_unguarded(input: &LayoutInput<'_>) -> Option<Drawing> {
    let n = input.sizes.len();
    let mut graph = VisualGraph::new(Orientation::LeftToRight);
    // Its self-checks search every path after every edge added: exponential on dense DAGs.
    graph.dag.set_validate(false);
    let handles: Vec<_> = input
        .sizes
        .iter()
        .enumerate()
        .map(|(i, &(w, h))| {
            // Boxes are laid across the direction of the graph (as its DOT front end does);
            // the box's number comes back with its position.
            let element = Element::create_with_properties(
                ShapeKind::new_box(""),
                StyleAttr::simple(),
                Orientation::LeftToRight.flip(),
                Point::new(w, h),
                i.to_string(),
            );
            graph.add_node(element)
        })
        .collect();
    // Edges go in grouped by source in topological order, so that when an edge is added
    // its target has no edge yet: layout-rs's "would this edge close a cycle" search
    // (exhaustive over paths) then ends at once.
    for (e, &(a, b)) in input.edges.iter().enumerate() {
        let (Some(&from), Some(&to)) = (handles.get(a as usize), handles.get(b as usize)) else {
            return None;
        };
        let mut arrow = Arrow::simple("");
        arrow.properties = Some(e.to_string());
        graph.add_edge(arrow, from, to);
    }
    let mut collector = Collector {
        boxes: vec![None; n],
        curves: vec![None; input.edges.len()],
    };
    graph.do_it(false, false, false, &mut collector);
    Some(Drawing {
        boxes: collector.boxes.into_iter().collect::<Option<_>>()?,
        curves: collector.curves.into_iter().collect::<Option<_>>()?,
        engine: LayoutEngine::LayoutRs,
    })
}

/// A layout-rs backend that draws nothing: it records the box of each task and the curve
/// of each edge, recognised by the number given as their "properties".
struct Collector {
    boxes: Vec<Option<Rect>>,
    curves: Vec<Option<Curve>>,
}

fn pt(p: Point) -> Pt {
    Pt { x: p.x, y: p.y }
}

fn slot<T>(slots: &mut [Option<T>], properties: Option<String>) -> Option<&mut Option<T>> {
    let i: usize = properties?.parse().ok()?;
    slots.get_mut(i)
}

impl RenderBackend for Collector {
    fn draw_rect(
        &mut self,
        xy: Point,
        size: Point,
        _look: &StyleAttr,
        properties: Option<String>,
        _clip: Option<ClipHandle>,
    ) {
        if let Some(s) = slot(&mut self.boxes, properties) {
            *s = Some(Rect {
                x: xy.x,
                y: xy.y,
                w: size.x,
                h: size.y,
            });
        }
    }

    fn draw_line(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}

    fn draw_circle(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}

    fn draw_text(&mut self, _: Point, _: &str, _: &StyleAttr) {}

    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        _dashed: bool,
        _head: (bool, bool),
        _look: &StyleAttr,
        properties: Option<String>,
        _text: &str,
    ) {
        if let Some(s) = slot(&mut self.curves, properties) {
            *s = Some(Curve::Bezier(
                path.iter().map(|&(a, b)| (pt(a), pt(b))).collect(),
            ));
        }
    }

    fn create_clip(&mut self, _: Point, _: Point, _: usize) -> ClipHandle {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(
        sizes: &'a [(f64, f64)],
        edges: &'a [(u32, u32)],
        order: &'a [u32],
    ) -> LayoutInput<'a> {
        LayoutInput {
            sizes,
            edges,
            order,
        }
    }

    #[test]
    fn layered_puts_dependencies_left_of_dependents() {
        let sizes = [(100.0, 40.0); 4];
        let edges = [(0, 1), (0, 2), (1, 3), (2, 3)];
        let d = layered(&input(&sizes, &edges, &[0, 1, 2, 3]));
        assert_eq!(d.engine, LayoutEngine::Layered);
        for &(a, b) in &edges {
            let (ra, rb) = (d.boxes[a as usize], d.boxes[b as usize]);
            assert!(ra.x + ra.w < rb.x, "{a} left of {b}");
        }
        // The two middle tasks share a column without overlapping.
        let (r1, r2) = (d.boxes[1], d.boxes[2]);
        assert_eq!(r1.x, r2.x);
        assert!(r1.y + r1.h <= r2.y || r2.y + r2.h <= r1.y);
        assert_eq!(d.curves.len(), 4);
    }

    #[test]
    fn layout_rs_places_every_box_and_arrow() {
        let sizes = [(120.0, 40.0), (80.0, 40.0), (90.0, 40.0)];
        let edges = [(0, 1), (0, 2), (1, 2)];
        let i = input(&sizes, &edges, &[0, 1, 2]);
        assert!(should_use_layout_rs(&i));
        let d = with_layout_rs(&i).unwrap();
        assert_eq!(d.engine, LayoutEngine::LayoutRs);
        assert_eq!(d.boxes.len(), 3);
        assert_eq!((d.boxes[0].w, d.boxes[0].h), (120.0, 40.0));
        assert!(d.boxes[0].x + d.boxes[0].w <= d.boxes[1].x);
        assert!(d.boxes[1].x + d.boxes[1].w <= d.boxes[2].x);
        assert_eq!(d.curves.len(), 3);
    }

    #[test]
    fn wide_or_tangled_plans_skip_layout_rs() {
        let many = vec![(100.0, 40.0); MAX_LAYOUT_RS_NODES + 1];
        let order: Vec<u32> = (0..many.len() as u32).collect();
        assert!(!should_use_layout_rs(&input(&many, &[], &order)));
        // 150 tasks, each after the first task and before the last: three layers, the
        // middle one 150 wide.
        let sizes = vec![(100.0, 40.0); 152];
        let mut edges: Vec<(u32, u32)> = (1..151).map(|i| (0, i)).collect();
        edges.extend((1..151).map(|i| (i, 151)));
        let order: Vec<u32> = (0..152).collect();
        assert!(should_use_layout_rs(&input(&sizes, &edges, &order)));
        // 149 tasks each with an edge to a task nine layers further: few tasks, but over
        // a thousand hidden nodes.
        let sizes = vec![(100.0, 40.0); 160];
        let mut edges: Vec<(u32, u32)> = (1..151).map(|i| (0, i)).collect();
        edges.extend((1..150).map(|i| (i, 159)));
        edges.extend((150..159).map(|k| (k, k + 1)));
        edges.sort();
        let order: Vec<u32> = (0..160).collect();
        assert!(!should_use_layout_rs(&input(&sizes, &edges, &order)));
    }
}
