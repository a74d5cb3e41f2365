//! Identifiers, parsed once at the edge: publisher and offer names, operation ids and the
//! non-migrated `$` operation key (docs/behaviour.md#migrated-and-non-migrated-offers).

use std::borrow::Cow;
use std::fmt;

use uuid::Uuid;

use super::error::DomainError;

/// Longest publisher or offer id accepted; CPP offer ids are short slugs.
const MAX_NAME_LEN: usize = 128;

/// Checks a publisher or offer id: 1–128 characters of `A–Z a–z 0–9 . _ -`, so that it can
/// stand in a URL path and in a `$` key without escaping.
pub(crate) fn validate_name(what: &'static str, value: &str) -> Result<(), DomainError> {
    let ok = !value.is_empty()
        && value.len() <= MAX_NAME_LEN
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(DomainError::InvalidName {
            what,
            value: value.to_owned(),
        })
    }
}

/// The case-insensitive lookup key of a publisher or offer id (docs/behaviour.md#routing: look up
/// case-insensitively, echo the stored spelling).
pub(crate) fn name_key(value: &str) -> String {
    value.to_ascii_lowercase()
}

/// [`name_key`] for a lookup: `value` itself unless it has an upper-case letter (the usual
/// case), so a lookup allocates nothing.
pub(crate) fn name_lookup(value: &str) -> Cow<'_, str> {
    if value.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(name_key(value))
    } else {
        Cow::Borrowed(value)
    }
}

/// The `n`-th GUID of `key`, for repeatable runs (`--seed`): the same key and number give
/// the same GUID on every machine (two rounds of SplitMix64, shaped as a version-4 GUID).
pub(crate) fn seeded_uuid(key: u64, n: u64) -> Uuid {
    let high = split_mix(key.wrapping_add(n.wrapping_mul(2)));
    let low = split_mix(key.wrapping_add(n.wrapping_mul(2)).wrapping_add(1));
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&high.to_be_bytes());
    bytes[8..].copy_from_slice(&low.to_be_bytes());
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// The key of one kind of ids (`what`) of one world, from the seed.
pub(crate) fn id_key(seed: u64, world: &str, what: &str) -> u64 {
    // FNV-1a of the names, then mixed with the seed.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in world.bytes().chain([0]).chain(what.bytes()) {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    split_mix(seed ^ hash)
}

fn split_mix(z: u64) -> u64 {
    let z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    let z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Where operation ids come from: at random, or in a repeatable sequence of a key.
#[derive(Debug, Clone, Default)]
pub(crate) struct IdSource {
    key: Option<u64>,
    next: u64,
}

impl IdSource {
    /// Repeatable ids of `key` from the `next`-th on; random ones without a key.
    pub(crate) fn new(key: Option<u64>, next: u64) -> Self {
        Self { key, next }
    }

    /// A new operation id.
    pub(crate) fn next(&mut self) -> OperationId {
        match self.key {
            Some(key) => {
                let id = OperationId(seeded_uuid(key, self.next));
                self.next += 1;
                id
            }
            None => OperationId::new_v4(),
        }
    }

    pub(crate) fn is_seeded(&self) -> bool {
        self.key.is_some()
    }
}

/// An operation id: a GUID, as in a migrated offer's `Location`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub(crate) struct OperationId(Uuid);

impl OperationId {
    pub(crate) fn new_v4() -> Self {
        Self(Uuid::new_v4())
    }

    pub(crate) fn parse(value: &str) -> Result<Self, DomainError> {
        Uuid::try_parse(value)
            .map(Self)
            .map_err(|_| DomainError::MalformedOperationId(value.to_owned()))
    }

    /// The GUID as lower-case hyphenated text, written into `buffer`.
    pub(crate) fn hyphenated(self, buffer: &mut [u8; 45]) -> &str {
        self.0.hyphenated().encode_lower(buffer)
    }
}

impl fmt::Display for OperationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// The slot named by the last segment of a non-migrated key: `preview` for a publish,
/// `production` for a go-live (docs/behaviour.md#migrated-and-non-migrated-offers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeySlot {
    Preview,
    Production,
}

impl KeySlot {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            KeySlot::Preview => "preview",
            KeySlot::Production => "production",
        }
    }
}

/// `{publisherId}${offerId}${publishingVersion}${preview|production}`: how non-migrated
/// offers name an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OperationKey {
    pub(crate) publisher: String,
    pub(crate) offer: String,
    pub(crate) publishing_version: u32,
    pub(crate) slot: KeySlot,
}

impl OperationKey {
    pub(crate) fn parse(value: &str) -> Result<Self, DomainError> {
        let malformed = || DomainError::MalformedOperationKey(value.to_owned());
        let parts: Vec<&str> = value.split('$').collect();
        let [publisher, offer, n, slot] = parts.as_slice() else {
            return Err(malformed());
        };
        let publishing_version = n.parse::<u32>().map_err(|_| malformed())?;
        let slot = match slot.to_ascii_lowercase().as_str() {
            "preview" | "staging" => KeySlot::Preview,
            "production" => KeySlot::Production,
            _ => return Err(malformed()),
        };
        if publisher.is_empty() || offer.is_empty() {
            return Err(malformed());
        }
        Ok(Self {
            publisher: (*publisher).to_owned(),
            offer: (*offer).to_owned(),
            publishing_version,
            slot,
        })
    }
}

impl fmt::Display for OperationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}${}${}${}",
            self.publisher,
            self.offer,
            self.publishing_version,
            self.slot.as_str()
        )
    }
}

/// The publisher and offer a CPP path names, if any, decoded: `/api/publishers/{p}[/offers/{o}…]`
/// or `/api/operations/{p}${o}$…`. For the journal's filters and the fault rules' matches, which
/// see every path, routed or not.
pub(crate) fn names_in_path(path: &str) -> (Option<String>, Option<String>) {
    let mut segments = path.trim_start_matches('/').split('/');
    match (segments.next(), segments.next(), segments.next()) {
        (Some("api"), Some("publishers"), Some(p)) if !p.is_empty() => {
            let offer = match (segments.next(), segments.next()) {
                (Some("offers"), Some(o)) if !o.is_empty() => Some(decode(o)),
                _ => None,
            };
            (Some(decode(p)), offer)
        }
        (Some("api"), Some("operations"), Some(key)) => {
            let key = decode(key);
            let mut parts = key.split('$');
            (
                parts.next().map(str::to_owned),
                parts.next().map(str::to_owned),
            )
        }
        _ => (None, None),
    }
}

fn decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

/// The tenant's id: the tenant itself when it is a GUID, else a GUID made from its name (so
/// `contoso.onmicrosoft.com` has the same id every time).
pub(crate) fn tenant_id(tenant: &str) -> uuid::Uuid {
    uuid::Uuid::try_parse(tenant).unwrap_or_else(|_| {
        uuid::Uuid::new_v5(
            &uuid::Uuid::NAMESPACE_DNS,
            tenant.to_ascii_lowercase().as_bytes(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_their_names_in_path() {
        let both = (Some("contoso".to_owned()), Some("my-offer".to_owned()));
        assert_eq!(
            names_in_path("/api/publishers/contoso/offers/my-offer/golive"),
            both
        );
        assert_eq!(
            names_in_path("/api/operations/contoso$my-offer$1$preview"),
            both
        );
        assert_eq!(
            names_in_path("/api/operations/contoso%24my-offer%241%24preview"),
            both
        );
        assert_eq!(
            names_in_path("/api/publishers/contoso/offers"),
            (Some("contoso".to_owned()), None)
        );
        assert_eq!(names_in_path("/api/publishers"), (None, None));
    }

    #[test]
    fn names_accept_slugs_and_refuse_path_characters() {
        assert!(validate_name("offer", "contoso-linux_2.0").is_ok());
        for bad in ["", "a/b", "a$b", "a b", "é", &"x".repeat(129)] {
            assert!(validate_name("offer", bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn operation_ids_are_guids() {
        let id = OperationId::new_v4();
        assert_eq!(OperationId::parse(&id.to_string()).ok(), Some(id));
        assert!(OperationId::parse("not-a-guid").is_err());
    }

    #[test]
    fn operation_keys_round_trip_and_accept_staging() {
        let key = OperationKey::parse("contoso$offer-1$2$preview").expect("valid key");
        assert_eq!(key.publishing_version, 2);
        assert_eq!(key.slot, KeySlot::Preview);
        assert_eq!(key.to_string(), "contoso$offer-1$2$preview");
        let staging = OperationKey::parse("contoso$offer-1$2$Staging").expect("valid key");
        assert_eq!(staging.slot, KeySlot::Preview);
        for bad in [
            "contoso$offer$x$preview",
            "contoso$offer$2",
            "a$b$1$draft",
            "$b$1$preview",
        ] {
            assert!(OperationKey::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
