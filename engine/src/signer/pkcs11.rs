//! Keys on a PKCS#11 token (a USB seal key; SoftHSM2 in tests), through the `cryptoki` crate.
//! The private key never leaves the token: the engine hands it SignedInfo and gets a signature.
//!
//! C_Initialize runs once per process and module; one login serves every session, and each
//! signing thread takes a session of its own from a small pool.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as P11Error, RvError};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use sha2::{Digest, Sha256};

use super::key::{add_chain, LoadedKey, Signer};
use super::unlock::Unlock;
use super::uri::Pkcs11Uri;
use crate::algorithm::SignatureAlg;
use crate::error::{Error, Result, TriesLeft};
use crate::trust::Cert;

/// How long to wait before listing the tokens a second time when the first listing lacks the
/// one asked for.
const RELIST_AFTER_MS: u64 = 300;

/// The module to load: the URI's module-path (RFC 7512 §2.3), the one the front end configured
/// (docseal's DOCSEAL_PKCS11_MODULE), p11-kit's proxy, SoftHSM2.
pub fn module_path(uri_path: Option<&str>, configured: Option<&Path>) -> PathBuf {
    if let Some(p) = uri_path {
        return PathBuf::from(p);
    }
    if let Some(p) = configured {
        return p.to_path_buf();
    }
    const CANDIDATES: &[&str] = &[
        "/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so",
        "/usr/lib/aarch64-linux-gnu/p11-kit-proxy.so",
        "/usr/lib/p11-kit-proxy.so",
        "/usr/lib/softhsm/libsofthsm2.so",
        "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    ];
    CANDIDATES
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from(CANDIDATES[3]))
}

/// The loaded, initialised module (once per process).
pub fn context(path: &Path) -> Result<Pkcs11> {
    static MODULES: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    let map = MODULES.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = map.lock().map_err(|_| Error::Pkcs11 {
        module: path.display().to_string(),
        reason: "the module table is poisoned (an earlier thread panicked)".into(),
    })?;
    if let Some(c) = map.get(path) {
        return Ok(c.clone());
    }
    if !path.exists() {
        return Err(Error::Pkcs11 {
            module: path.display().to_string(),
            reason: "no such file (set DOCSEAL_PKCS11_MODULE or ?module-path=)".into(),
        });
    }
    let ctx = Pkcs11::new(path).map_err(|e| Error::Pkcs11 {
        module: path.display().to_string(),
        reason: format!("cannot load it: {e}"),
    })?;
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(P11Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => {
            return Err(Error::Pkcs11 {
                module: path.display().to_string(),
                reason: format!("it failed to start: {e}"),
            })
        }
    }
    map.insert(path.to_path_buf(), ctx.clone());
    Ok(ctx)
}

/// A token present in a slot.
#[derive(Clone)]
pub struct TokenRef {
    pub slot: Slot,
    pub label: String,
    pub manufacturer: String,
    pub serial: String,
    pub flags: Vec<&'static str>,
}

pub fn tokens(ctx: &Pkcs11) -> Result<Vec<TokenRef>> {
    let mut out = Vec::new();
    for slot in ctx
        .get_slots_with_token()
        .map_err(|e| p11("listing slots", e))?
    {
        let Ok(info) = ctx.get_token_info(slot) else {
            continue;
        };
        let mut flags = Vec::new();
        if info.user_pin_locked() {
            flags.push("pin-locked");
        }
        if info.user_pin_final_try() {
            flags.push("pin-final-try");
        }
        if info.user_pin_count_low() {
            flags.push("pin-count-low");
        }
        if !info.token_initialized() {
            flags.push("not-initialized");
        }
        out.push(TokenRef {
            slot,
            label: info.label().trim().to_string(),
            manufacturer: info.manufacturer_id().trim().to_string(),
            serial: info.serial_number().trim().to_string(),
            flags,
        });
    }
    Ok(out)
}

pub(super) fn p11(what: &str, e: P11Error) -> Error {
    match e {
        P11Error::Pkcs11(
            RvError::DeviceRemoved | RvError::TokenNotPresent | RvError::SessionHandleInvalid,
            _,
        ) => Error::TokenRemoved,
        e => Error::Pkcs11 {
            module: "(token)".into(),
            reason: format!("{what}: {e}"),
        },
    }
}

/// The token a URI names, with a session logged in with the PIN (read-write when asked).
pub(super) fn login(
    uri: &Pkcs11Uri,
    pin: &Unlock,
    rw: bool,
) -> Result<(Pkcs11, TokenRef, Session)> {
    let ctx = context(&module_path(
        uri.module_path.as_deref(),
        pin.module.as_deref(),
    ))?;
    let wanted = |t: &TokenRef| {
        uri.token.as_ref().is_none_or(|l| *l == t.label)
            && uri.serial.as_ref().is_none_or(|s| *s == t.serial)
    };
    let names = |all: &[TokenRef]| -> Vec<String> {
        all.iter()
            .filter(|t| !t.flags.contains(&"not-initialized"))
            .map(|t| format!("{:?}", t.label))
            .collect()
    };
    let first = tokens(&ctx)?;
    let token = match first.iter().find(|t| wanted(t)) {
        Some(t) => t.clone(),
        None => {
            // A token being plugged in, a slow USB key, or SoftHSM2 rewriting its store while
            // another process lists it can be missing from one listing and present in the next:
            // ask once more before saying it is not there.
            std::thread::sleep(std::time::Duration::from_millis(RELIST_AFTER_MS));
            let second = tokens(&ctx)?;
            match second.iter().find(|t| wanted(t)) {
                Some(t) => t.clone(),
                None => {
                    return Err(Error::TokenNotFound {
                        label: uri.token.clone().unwrap_or_else(|| "*".into()),
                        present: names(&second),
                        earlier: names(&first),
                    })
                }
            }
        }
    };
    let key_name = format!("token {:?}", token.label);
    if token.flags.contains(&"pin-locked") {
        return Err(Error::PinLocked { key: key_name });
    }
    let session = if rw {
        ctx.open_rw_session(token.slot)
    } else {
        ctx.open_ro_session(token.slot)
    }
    .map_err(|e| p11("opening a session", e))?;

    let pin_text = pin
        .get(&format!("PIN for token {}", token.label))?
        .ok_or_else(|| Error::PinNeeded {
            key: key_name.clone(),
        })?;
    let auth = AuthPin::from(pin_text.to_string());
    match session.login(UserType::User, Some(&auth)) {
        Ok(()) | Err(P11Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
        Err(P11Error::Pkcs11(RvError::PinIncorrect, _)) => {
            let info = ctx.get_token_info(token.slot).ok();
            if info.as_ref().is_some_and(|i| i.user_pin_locked()) {
                return Err(Error::PinLocked { key: key_name });
            }
            let tries_left = match info {
                Some(i) if i.user_pin_final_try() => TriesLeft::One,
                Some(i) if i.user_pin_count_low() => TriesLeft::Few,
                _ => TriesLeft::Unknown,
            };
            return Err(Error::WrongPin {
                key: key_name,
                tries_left,
            });
        }
        Err(P11Error::Pkcs11(RvError::PinLocked, _)) => {
            return Err(Error::PinLocked { key: key_name })
        }
        Err(e) => return Err(p11("logging in", e)),
    }
    Ok((ctx, token, session))
}

/// The key and certificate a URI names, logged in with the PIN.
pub fn open(
    uri: &Pkcs11Uri,
    cert_override: Option<&Path>,
    chain: Option<&Path>,
    pin: &Unlock,
) -> Result<LoadedKey> {
    let (ctx, token, session) = login(uri, pin, false)?;
    let key_name = format!("token {:?}", token.label);
    let mut template = vec![Attribute::Class(ObjectClass::PRIVATE_KEY)];
    if let Some(o) = &uri.object {
        template.push(Attribute::Label(o.as_bytes().to_vec()));
    }
    if let Some(id) = &uri.id {
        template.push(Attribute::Id(id.clone()));
    }
    let keys = session
        .find_objects(&template)
        .map_err(|e| p11("finding the key", e))?;
    let key = match keys.as_slice() {
        [k] => *k,
        [] => {
            return Err(Error::KeyNotFound {
                token: token.label.clone(),
                object: uri.object.clone(),
            })
        }
        _ => {
            return Err(Error::AmbiguousKey {
                token: token.label.clone(),
            })
        }
    };
    let id = attr_bytes(&session, key, AttributeType::Id).unwrap_or_default();

    let mut certs = match cert_override {
        Some(p) => Cert::load_file(p)?,
        None => {
            let found = session
                .find_objects(&[
                    Attribute::Class(ObjectClass::CERTIFICATE),
                    Attribute::Id(id.clone()),
                ])
                .map_err(|e| p11("finding the certificate", e))?;
            let der = found
                .first()
                .and_then(|c| attr_bytes(&session, *c, AttributeType::Value))
                .ok_or_else(|| Error::CertificateMissing {
                    key: format!("the key on {key_name}"),
                })?;
            vec![Cert::from_der(der)?]
        }
    };
    add_chain(&mut certs, chain)?;
    let leaf = &certs[0];
    let now = time::OffsetDateTime::now_utc();
    if now > leaf.not_after() {
        return Err(Error::CertificateNotValid {
            subject: leaf.subject(),
            reason: format!(
                "expired on {}",
                crate::datetime::format_time(leaf.not_after())
            ),
        });
    }
    if now < leaf.not_before() {
        return Err(Error::CertificateNotValid {
            subject: leaf.subject(),
            reason: format!(
                "is not valid before {}",
                crate::datetime::format_time(leaf.not_before())
            ),
        });
    }

    let (alg, mech) = signing_mechanism(&ctx, &token, leaf)?;
    let signer = TokenKey {
        ctx,
        slot: token.slot,
        key,
        alg,
        mech,
        pool: Mutex::new(vec![session]),
        returned: std::sync::Condvar::new(),
    };
    Ok(LoadedKey {
        signer: Box::new(signer),
        chain: certs,
    })
}

pub(super) fn attr_bytes(
    session: &Session,
    obj: ObjectHandle,
    t: AttributeType,
) -> Option<Vec<u8>> {
    session
        .get_attributes(obj, &[t])
        .ok()?
        .into_iter()
        .find_map(|a| match a {
            Attribute::Id(v) | Attribute::Value(v) | Attribute::Label(v) => Some(v),
            _ => None,
        })
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Mech {
    Sha256RsaPkcs,
    RsaPkcsDigestInfo,
    Ecdsa,
}

pub(super) struct TokenKey {
    pub(super) ctx: Pkcs11,
    pub(super) slot: Slot,
    pub(super) key: ObjectHandle,
    pub(super) alg: SignatureAlg,
    pub(super) mech: Mech,
    /// Idle sessions; a signing thread takes one (or opens one) and gives it back.
    pub(super) pool: Mutex<Vec<Session>>,
    /// Signalled when a session is given back, for tokens that allow no more sessions.
    pub(super) returned: std::sync::Condvar,
}

impl TokenKey {
    /// A session of this application's (logged-in) token: an idle one, a new one, or — where the
    /// token allows no more sessions (CKR_SESSION_COUNT) — the next one another thread gives back.
    fn session(&self) -> Result<Session> {
        if let Some(s) = self.pool.lock().ok().and_then(|mut p| p.pop()) {
            return Ok(s);
        }
        match self.ctx.open_ro_session(self.slot) {
            Ok(s) => Ok(s),
            Err(P11Error::Pkcs11(RvError::SessionCount, _)) => {
                let mut idle = self
                    .pool
                    .lock()
                    .map_err(|_| Error::SigningFailed("the session pool is poisoned".into()))?;
                loop {
                    if let Some(s) = idle.pop() {
                        return Ok(s);
                    }
                    idle = self
                        .returned
                        .wait(idle)
                        .map_err(|_| Error::SigningFailed("the session pool is poisoned".into()))?;
                }
            }
            Err(e) => Err(p11("opening a session", e)),
        }
    }
}

/// DER DigestInfo prefix of SHA-256 (RFC 8017 §9.2 note 1).
const SHA256_DIGEST_INFO: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

impl Signer for TokenKey {
    fn algorithm(&self) -> SignatureAlg {
        self.alg
    }

    fn sign(&self, data: &[u8]) -> Result<Vec<u8>> {
        let session = self.session()?;
        let result = match self.mech {
            Mech::Sha256RsaPkcs => session.sign(&Mechanism::Sha256RsaPkcs, self.key, data),
            Mech::RsaPkcsDigestInfo => {
                let info = [&SHA256_DIGEST_INFO[..], &Sha256::digest(data)].concat();
                session.sign(&Mechanism::RsaPkcs, self.key, &info)
            }
            // CKM_ECDSA signs the hash and returns r‖s, which is what XML-DSig wants.
            Mech::Ecdsa => session.sign(&Mechanism::Ecdsa, self.key, &Sha256::digest(data)),
        };
        if let Ok(mut p) = self.pool.lock() {
            p.push(session);
            self.returned.notify_one();
        }
        result.map_err(|e| p11("signing on the token", e))
    }
}

/// How the token signs for this certificate's key: SHA-256 with RSA done on the token, else
/// the DigestInfo signed raw (PKCS#11 v2.40 §2.1.6 CKM_RSA_PKCS), or ECDSA over our digest.
fn signing_mechanism(ctx: &Pkcs11, token: &TokenRef, leaf: &Cert) -> Result<(SignatureAlg, Mech)> {
    let mechanisms = ctx
        .get_mechanism_list(token.slot)
        .map_err(|e| p11("listing mechanisms", e))?;
    let spki_alg = leaf
        .parsed()
        .tbs_certificate
        .subject_public_key_info
        .algorithm
        .oid;
    if spki_alg == const_oid::db::rfc5912::RSA_ENCRYPTION {
        if mechanisms.contains(&MechanismType::SHA256_RSA_PKCS) {
            Ok((SignatureAlg::RSA_SHA256, Mech::Sha256RsaPkcs))
        } else if mechanisms.contains(&MechanismType::RSA_PKCS) {
            Ok((SignatureAlg::RSA_SHA256, Mech::RsaPkcsDigestInfo))
        } else {
            Err(Error::UnsupportedKey(format!(
                "token {:?} offers neither CKM_SHA256_RSA_PKCS nor CKM_RSA_PKCS",
                token.label
            )))
        }
    } else if spki_alg == const_oid::db::rfc5912::ID_EC_PUBLIC_KEY {
        if !mechanisms.contains(&MechanismType::ECDSA) {
            return Err(Error::UnsupportedKey(format!(
                "token {:?} does not offer CKM_ECDSA",
                token.label
            )));
        }
        Ok((SignatureAlg::ECDSA_SHA256, Mech::Ecdsa))
    } else {
        Err(Error::UnsupportedKey(format!(
            "the key on token {:?} is neither RSA nor EC",
            token.label
        )))
    }
}

/// The certificate stored beside the key a URI names, read without logging in (certificates
/// are public objects, PKCS#11 v2.40 §4.6): what a picker shows before anyone types a PIN.
/// `Ok(None)` when the token holds no such certificate.
pub fn public_certificate(uri: &Pkcs11Uri, module: Option<&Path>) -> Result<Option<Cert>> {
    let ctx = context(&module_path(uri.module_path.as_deref(), module))?;
    let Some(token) = tokens(&ctx)?.into_iter().find(|t| {
        uri.token.as_ref().is_none_or(|l| *l == t.label)
            && uri.serial.as_ref().is_none_or(|s| *s == t.serial)
    }) else {
        return Ok(None);
    };
    let session = ctx
        .open_ro_session(token.slot)
        .map_err(|e| p11("opening a session", e))?;
    let mut template = vec![Attribute::Class(ObjectClass::CERTIFICATE)];
    if let Some(o) = &uri.object {
        template.push(Attribute::Label(o.as_bytes().to_vec()));
    }
    if let Some(id) = &uri.id {
        template.push(Attribute::Id(id.clone()));
    }
    let found = session
        .find_objects(&template)
        .map_err(|e| p11("finding the certificate", e))?;
    match found
        .first()
        .and_then(|c| attr_bytes(&session, *c, AttributeType::Value))
    {
        Some(der) => Cert::from_der(der).map(Some),
        None => Ok(None),
    }
}
