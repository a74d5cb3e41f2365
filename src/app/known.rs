//! The documented routes, as the coverage report and the "did you mean" of an unknown route
//! read them: method, path template, segments, documented statuses.

/// A documented route: its method and path template, split into segments, and the statuses
/// the document says it answers.
pub(crate) struct Known {
    pub(crate) method: &'static str,
    pub(crate) template: String,
    pub(crate) segments: Vec<String>,
    pub(crate) statuses: Vec<String>,
}

/// The documented route `method path` matches: the same number of segments, every literal
/// one equal (case ignored), a `{parameter}` matching any.
pub(crate) fn route_of<'a>(known: &'a [Known], method: &str, path: &str) -> Option<&'a Known> {
    let asked: Vec<&str> = segments(path).collect();
    known.iter().find(|known| {
        known.method.eq_ignore_ascii_case(method)
            && known.segments.len() == asked.len()
            && known.segments.iter().zip(&asked).all(|(wanted, given)| {
                wanted.starts_with('{') || wanted.eq_ignore_ascii_case(given)
            })
    })
}

/// The segments of a path (or template), empty ones left out.
pub(crate) fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}
