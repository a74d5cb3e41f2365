//! Who may act on which publisher: the bearer tokens' grants (strict auth mode) and the app
//! registrations that may sign in with the emulated identity platform (docs/identity.md).

use std::sync::Arc;

use crate::domain::ids::name_key;
use crate::domain::map::Map;

/// Which publishers a bearer token may act on: their ids, lower case.
pub(crate) type Grants = Arc<[String]>;

/// An app registration and the publishers its tokens may act on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Client {
    pub(crate) secret: String,
    /// The tenant it belongs to; any tenant when absent.
    pub(crate) tenant: Option<String>,
    pub(crate) grants: Grants,
}

/// The tokens' grants and the app registrations, as a store keeps them.
#[derive(Debug, Clone, Default)]
pub(super) struct SignIns {
    pub(super) tokens: Map<String, Grants>,
    /// By client id, lower case.
    pub(super) clients: Map<String, Client>,
}

impl SignIns {
    /// Grants `token` access to the publisher `publisher_id` (added to earlier grants);
    /// whether that changed anything.
    pub(super) fn grant(&mut self, token: &str, publisher_id: &str) -> bool {
        let grants = self
            .tokens
            .entry(token.to_owned())
            .or_insert_with(|| Arc::from([]));
        add(grants, name_key(publisher_id))
    }

    /// Registers the app `client_id` for the publisher `publisher_id` (added to its earlier
    /// grants); whether that changed anything. Refused when it was registered before with
    /// another secret or tenant.
    pub(super) fn register_client(
        &mut self,
        client_id: &str,
        secret: &str,
        tenant: Option<&str>,
        publisher_id: &str,
    ) -> Result<bool, String> {
        let client = self
            .clients
            .entry(client_id.to_ascii_lowercase())
            .or_insert_with(|| Client {
                secret: secret.to_owned(),
                tenant: tenant.map(str::to_owned),
                grants: Arc::from([]),
            });
        if client.secret != secret || client.tenant.as_deref() != tenant {
            return Err(format!(
                "client '{client_id}' is registered elsewhere with another secret or tenant"
            ));
        }
        Ok(add(&mut client.grants, name_key(publisher_id)))
    }

    /// The app registration of `client_id` (any case), if the fixtures list it.
    pub(super) fn client(&self, client_id: &str) -> Option<&Client> {
        self.clients.get(&client_id.to_ascii_lowercase())
    }

    /// The publishers a token may act on, if the fixtures list it.
    pub(super) fn grants(&self, token: &str) -> Option<Grants> {
        self.tokens.get(token).cloned()
    }
}

/// Adds `publisher` to `grants` unless it is there; whether it was added.
fn add(grants: &mut Grants, publisher: String) -> bool {
    if grants.contains(&publisher) {
        return false;
    }
    let mut more = grants.to_vec();
    more.push(publisher);
    *grants = more.into();
    true
}
