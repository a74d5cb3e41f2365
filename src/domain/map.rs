//! The hash map of the store's indexes.

/// foldhash instead of SipHash: keys are ids a client sent to its own local server, so there
/// is no flooding to resist, and each request makes several lookups.
pub(crate) type Map<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
