//! A path template (`/users/{user_id}/accounts`), parsed once into literal text and
//! parameters.

/// One piece of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    Literal(String),
    /// A `{name}` placeholder: the parameter's API name.
    Param(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathTemplate {
    /// The template as written in the document.
    pub raw: String,
    pub segments: Vec<PathSegment>,
}

impl PathTemplate {
    /// Splits at `{...}`; an unclosed `{` is literal text.
    pub fn parse(raw: &str) -> PathTemplate {
        let mut segments = Vec::new();
        let mut rest = raw;
        while let Some(start) = rest.find('{') {
            let Some(len) = rest[start..].find('}') else { break };
            if start > 0 {
                segments.push(PathSegment::Literal(rest[..start].to_owned()));
            }
            segments.push(PathSegment::Param(rest[start + 1..start + len].to_owned()));
            rest = &rest[start + len + 1..];
        }
        if !rest.is_empty() {
            segments.push(PathSegment::Literal(rest.to_owned()));
        }
        PathTemplate { raw: raw.to_owned(), segments }
    }

    /// The parameter names, in order.
    pub fn params(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|s| match s {
            PathSegment::Param(name) => Some(name.as_str()),
            PathSegment::Literal(_) => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_split_into_literals_and_params() {
        let t = PathTemplate::parse("/users/{user_id}/identifiers/{identifier_id}");
        assert_eq!(t.params().collect::<Vec<_>>(), ["user_id", "identifier_id"]);
        assert_eq!(t.segments[0], PathSegment::Literal("/users/".into()));
        assert_eq!(PathTemplate::parse("/a{").segments, [PathSegment::Literal("/a{".into())]);
        assert_eq!(PathTemplate::parse("{x}").segments, [PathSegment::Param("x".into())]);
    }
}
