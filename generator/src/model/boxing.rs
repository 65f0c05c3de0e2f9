//! Pass 3, boxing: every struct field through which a type contains itself by value
//! (`Node { parent: Option<Node> }`) is boxed, so every type has a finite size. A field
//! needs a box exactly when its type is in the same strongly connected component of
//! the "holds by value" graph as the struct that holds it.

use super::{Model, TypeKind};

pub fn mark_boxed(model: &mut Model) {
    let edges: Vec<Vec<usize>> = model
        .arena
        .iter()
        .map(|def| {
            if def.merged_into.is_some() {
                return Vec::new();
            }
            let held = match &def.kind {
                TypeKind::Struct(s) => s.fields.iter().filter_map(|f| f.ty.by_value()).collect(),
                TypeKind::Union(u) => u.variants.iter().filter_map(|v| v.ty.by_value()).collect(),
                TypeKind::Alias(ty) => ty.by_value().into_iter().collect(),
                TypeKind::Enum(_) | TypeKind::IntEnum(_) | TypeKind::StringForms(_) => Vec::new(),
            };
            held.into_iter().map(|id| id.0).collect()
        })
        .collect();
    let component = strongly_connected(&edges);
    for (i, def) in model.arena.iter_mut().enumerate() {
        if let TypeKind::Struct(s) = &mut def.kind {
            for field in &mut s.fields {
                // Same component: the field leads back to this struct (a self-reference included).
                if let Some(target) = field.ty.by_value().map(|id| id.0) {
                    field.boxed = component[target] == component[i] && (target != i || edges[i].contains(&i));
                }
            }
        }
    }
}

/// Kosaraju's algorithm without recursion (a long chain of types must not grow the
/// stack): the component number of every node.
fn strongly_connected(edges: &[Vec<usize>]) -> Vec<usize> {
    let n = edges.len();
    let mut order = Vec::with_capacity(n);
    let mut visited = vec![false; n];
    for start in 0..n {
        if visited[start] {
            continue;
        }
        visited[start] = true;
        let mut stack = vec![(start, 0)];
        while let Some((node, next)) = stack.pop() {
            if let Some(&to) = edges[node].get(next) {
                stack.push((node, next + 1));
                if !visited[to] {
                    visited[to] = true;
                    stack.push((to, 0));
                }
            } else {
                order.push(node);
            }
        }
    }
    let mut reverse = vec![Vec::new(); n];
    for (from, tos) in edges.iter().enumerate() {
        for &to in tos {
            reverse[to].push(from);
        }
    }
    let mut component = vec![usize::MAX; n];
    for (count, &start) in order.iter().rev().enumerate() {
        if component[start] != usize::MAX {
            continue;
        }
        component[start] = count;
        let mut stack = vec![start];
        while let Some(node) = stack.pop() {
            for &from in &reverse[node] {
                if component[from] == usize::MAX {
                    component[from] = count;
                    stack.push(from);
                }
            }
        }
    }
    component
}
