//! The mock's own certificate authority and the TLS it terminates for the hosts it intercepts
//! (docs/https.md). The CA is made once per directory and reused, so a CA a client trusts stays
//! trusted across restarts; its private key stays in that directory (mode 0600) and is never
//! served. Each intercepted host gets a leaf certificate signed by it, made at start.

use std::fmt;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rcgen::{
    BasicConstraints, Certificate, CertificateParams, CidrSubnet, DistinguishedName, DnType,
    GeneralSubtree, IsCa, KeyPair, KeyUsagePurpose, NameConstraints,
};
use rustls::ServerConfig;
use rustls::crypto::aws_lc_rs::{default_provider, sign::any_supported_type};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

/// The CA's certificate, as clients trust it.
const CA_CERT: &str = "ca.pem";
/// The CA's private key (mode 0600), never served.
const CA_KEY: &str = "ca-key.pem";
/// The RSA key that signs the tokens the emulated sign-in issues (mode 0600), never served.
const TOKEN_KEY: &str = "token-key.pem";

/// Why the CA could not be loaded or made, or cannot sign for a host asked for.
#[derive(Debug)]
pub(crate) struct TlsError {
    dir: PathBuf,
    reason: String,
    /// The CA was made for other hosts: its name constraints leave out one asked for.
    pub(crate) not_covered: bool,
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the CA in {} (--ca-dir) could not be used: {}",
            self.dir.display(),
            self.reason
        )
    }
}

/// The CA and the TLS configuration of every intercepted host.
#[derive(Debug)]
pub(crate) struct Tls {
    /// The CA certificate, PEM, as stored.
    pub(crate) ca_pem: Arc<str>,
    /// The intercepted host names, lower case.
    pub(crate) hosts: Vec<String>,
    pub(crate) config: Arc<ServerConfig>,
}

impl Tls {
    /// Loads the CA from `dir`, or makes it there; then a leaf certificate for each of `hosts`.
    pub(crate) fn load(dir: &Path, hosts: &[String]) -> Result<Self, TlsError> {
        let fail = |reason: String| TlsError {
            dir: dir.to_owned(),
            reason,
            not_covered: false,
        };
        let hosts: Vec<String> = hosts.iter().map(|h| h.to_ascii_lowercase()).collect();
        let (ca_pem, ca_key) = load_or_make_ca(dir, &hosts).map_err(|e| fail(e.to_string()))?;
        // The issuer the leaves name: the stored certificate's name and key (its constraints
        // are the stored certificate's business, checked below as a client checks them).
        let ca_cert = ca_params(&[])
            .self_signed(&ca_key)
            .map_err(|e| fail(e.to_string()))?;
        let mut keys = Vec::with_capacity(hosts.len());
        for host in &hosts {
            let key = leaf(host, &ca_cert, &ca_key).map_err(|e| fail(format!("{host}: {e}")))?;
            keys.push((host.clone(), key));
        }
        let checker = Coverage::of(&ca_pem).map_err(fail)?;
        for (host, key) in &keys {
            if let Err(e) = checker.verifies(host, key) {
                return Err(TlsError {
                    dir: dir.to_owned(),
                    reason: format!(
                        "it was made for other hosts and cannot sign for {host} ({e}); delete that directory (or name another --ca-dir) to have a new CA made for the hosts given, and trust the new one"
                    ),
                    not_covered: true,
                });
            }
        }
        let elsewhere = leaf("unrelated.example", &ca_cert, &ca_key).map_err(fail)?;
        if checker.verifies("unrelated.example", &elsewhere).is_ok() {
            tracing::warn!(
                "the CA in {} has no name constraints (it was made by an earlier version): trusting it trusts any name it signs; delete that directory to have a constrained one made",
                dir.display()
            );
        }
        let mut config = ServerConfig::builder_with_provider(Arc::new(default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| fail(e.to_string()))?
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(ByName(keys)));
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Self {
            ca_pem: ca_pem.into(),
            hosts,
            config: Arc::new(config),
        })
    }

    /// Whether `host` (any case) is intercepted.
    pub(crate) fn intercepts(&self, host: &str) -> bool {
        self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
    }
}

/// The default CA directory: `$XDG_DATA_HOME/cloudpartner-mock/ca`, else
/// `~/.local/share/cloudpartner-mock/ca`, else `cloudpartner-mock-ca` in the working directory.
pub(crate) fn default_ca_dir() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|home| Path::new(&home).join(".local/share"))
        });
    match base {
        Some(base) => base.join("cloudpartner-mock").join("ca"),
        None => PathBuf::from("cloudpartner-mock-ca"),
    }
}

/// The CA's PEM and key from `dir`, made there first if it holds none. Several servers
/// starting on one empty directory agree on one CA: the key is published with a hard link,
/// which fails for all but the first; the others wait for its certificate and read it.
pub(crate) fn load_or_make_ca(dir: &Path, hosts: &[String]) -> io::Result<(String, KeyPair)> {
    let _one_at_a_time = MAKING.lock().unwrap_or_else(PoisonError::into_inner);
    let (cert_path, key_path) = (dir.join(CA_CERT), dir.join(CA_KEY));
    if !key_path.exists() {
        fs::create_dir_all(dir)?;
        make_ca(dir, &key_path, &cert_path, hosts)?;
    }
    // The first server links its key, then renames its certificate in place.
    let mut waited = Duration::ZERO;
    while !cert_path.exists() && waited < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(10));
        waited += Duration::from_millis(10);
    }
    let key = KeyPair::from_pem(&fs::read_to_string(&key_path)?).map_err(invalid)?;
    let pem = fs::read_to_string(&cert_path)?;
    Ok((pem, key))
}

/// Servers of one process make keys one at a time, so that they make one of each, not one each.
static MAKING: Mutex<()> = Mutex::new(());

/// The token-signing key from `dir` (PKCS#8 PEM), made there first if it holds none: RSA
/// 2048, as Azure AD signs with RS256. Racing makers each publish a whole file; one wins.
pub(crate) fn load_or_make_token_key(dir: &Path) -> io::Result<String> {
    let _one_at_a_time = MAKING.lock().unwrap_or_else(PoisonError::into_inner);
    let path = dir.join(TOKEN_KEY);
    if !path.exists() {
        use rsa::pkcs8::EncodePrivateKey as _;
        let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).map_err(invalid)?;
        let pem = key
            .to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
            .map_err(invalid)?;
        let tmp = dir.join(format!(".{TOKEN_KEY}.{}", uuid::Uuid::new_v4().simple()));
        write_private(&tmp, pem.as_bytes())?;
        let published = fs::hard_link(&tmp, &path);
        let _ = fs::remove_file(&tmp);
        match published {
            Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
            _ => {}
        }
    }
    fs::read_to_string(&path)
}

fn make_ca(dir: &Path, key_path: &Path, cert_path: &Path, hosts: &[String]) -> io::Result<()> {
    let key = KeyPair::generate().map_err(invalid)?;
    let cert = ca_params(hosts).self_signed(&key).map_err(invalid)?;
    let unique = format!("{}.{}", std::process::id(), uuid::Uuid::new_v4().simple());
    let key_tmp = dir.join(format!(".{CA_KEY}.{unique}"));
    let cert_tmp = dir.join(format!(".{CA_CERT}.{unique}"));
    write_private(&key_tmp, key.serialize_pem().as_bytes())?;
    fs::write(&cert_tmp, cert.pem())?;
    let published = fs::hard_link(&key_tmp, key_path);
    let _ = fs::remove_file(&key_tmp);
    match published {
        Ok(()) => fs::rename(&cert_tmp, cert_path),
        // Another server made the CA first: use its.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let _ = fs::remove_file(&cert_tmp);
            Ok(())
        }
        Err(e) => {
            let _ = fs::remove_file(&cert_tmp);
            Err(e)
        }
    }
}

/// Writes `bytes` to a new file only its owner may read.
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

fn invalid(e: impl fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e.to_string())
}

/// The CA's name and powers: the same name every time, so that the certificate rebuilt from
/// the stored key at each start signs leaves the stored certificate verifies. Made for
/// `hosts`, it carries name constraints (critical, RFC 5280 §4.2.1.10): it may sign for those
/// hosts (and names under them), `localhost` and the loopback addresses, nothing else — a
/// user who trusts it system-wide exposes no other site, even if its key leaks.
fn ca_params(hosts: &[String]) -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "cloudpartner-mock local CA");
    name.push(DnType::OrganizationName, "cloudpartner-mock");
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = rcgen::date_time_ymd(2024, 1, 1);
    params.not_after = rcgen::date_time_ymd(2049, 12, 31);
    if !hosts.is_empty() {
        let mut permitted: Vec<GeneralSubtree> = hosts
            .iter()
            .chain(&["localhost".to_owned()])
            .map(|host| GeneralSubtree::DnsName(host.clone()))
            .collect();
        permitted.push(GeneralSubtree::IpAddress(CidrSubnet::from_v4_prefix(
            [127, 0, 0, 0],
            8,
        )));
        permitted.push(GeneralSubtree::IpAddress(CidrSubnet::from_v6_prefix(
            std::net::Ipv6Addr::LOCALHOST.octets(),
            128,
        )));
        params.name_constraints = Some(NameConstraints {
            permitted_subtrees: permitted,
            excluded_subtrees: Vec::new(),
        });
    }
    params
}

/// A client's check of the stored CA: whether a leaf it signed holds for a host, the CA's
/// name constraints applied (by rustls's WebPKI verifier, as clients built on it check).
struct Coverage(Arc<rustls::client::WebPkiServerVerifier>);

impl Coverage {
    fn of(ca_pem: &str) -> Result<Self, String> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject as _;
        let ca = CertificateDer::from_pem_slice(ca_pem.as_bytes()).map_err(|e| e.to_string())?;
        let mut roots = rustls::RootCertStore::empty();
        roots.add(ca).map_err(|e| e.to_string())?;
        let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            Arc::new(default_provider()),
        )
        .build()
        .map_err(|e| e.to_string())?;
        Ok(Self(verifier))
    }

    fn verifies(&self, host: &str, key: &CertifiedKey) -> Result<(), String> {
        use rustls::client::danger::ServerCertVerifier as _;
        let name =
            rustls::pki_types::ServerName::try_from(host.to_owned()).map_err(|e| e.to_string())?;
        let leaf = key.cert.first().ok_or("no certificate")?;
        self.0
            .verify_server_cert(leaf, &[], &name, &[], rustls::pki_types::UnixTime::now())
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// A leaf certificate for `host`, signed by the CA, with a fresh key.
fn leaf(host: &str, ca: &Certificate, ca_key: &KeyPair) -> Result<Arc<CertifiedKey>, String> {
    let key = KeyPair::generate().map_err(|e| e.to_string())?;
    let mut params = CertificateParams::new(vec![host.to_owned()]).map_err(|e| e.to_string())?;
    params.distinguished_name.push(DnType::CommonName, host);
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(365);
    let cert = params
        .signed_by(&key, ca, ca_key)
        .map_err(|e| e.to_string())?;
    let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let signing = any_supported_type(&der).map_err(|e| e.to_string())?;
    Ok(Arc::new(CertifiedKey::new(
        vec![cert.der().clone()],
        signing,
    )))
}

/// The leaf certificate for the name a client asks for (SNI); the first host's when it names
/// none or another.
#[derive(Debug)]
struct ByName(Vec<(String, Arc<CertifiedKey>)>);

impl ResolvesServerCert for ByName {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let wanted = hello.server_name();
        self.0
            .iter()
            .find(|(host, _)| wanted.is_some_and(|w| w.eq_ignore_ascii_case(host)))
            .or_else(|| self.0.first())
            .map(|(_, key)| Arc::clone(key))
    }
}
