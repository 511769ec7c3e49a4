//! Reading AWS's XML answers.

pub use roxmltree::{Document, Node};

/// Parses an answer body.
pub fn parse(text: &str) -> Result<Document<'_>, String> {
    Document::parse(text).map_err(|e| format!("the answer is not XML: {e}"))
}

/// The children of `node` with this tag name.
pub fn children<'a, 'i>(
    node: Node<'a, 'i>,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.children().filter(move |n| n.has_tag_name(name))
}

/// The first child of `node` with this tag name.
pub fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| n.has_tag_name(name))
}

/// The text of the first child with this tag name ("" when it is empty).
pub fn child_text(node: Node<'_, '_>, name: &str) -> Option<String> {
    child(node, name).map(|n| n.text().unwrap_or("").to_string())
}

/// The first element anywhere below `node` with this tag name.
pub fn find<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.descendants().find(|n| n.has_tag_name(name))
}
