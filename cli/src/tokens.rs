//! `docseal tokens`: what tokens are present, their PIN state, and the seals on them.

use crate::args::TokensArgs;
use cryptoki::object::{Attribute, AttributeType, ObjectClass};
use docseal::keys as pkcs11;
use docseal::keys::Pkcs11Uri;
use docseal::Cert;
use docseal::Error;

pub fn run(a: TokensArgs) -> Result<u8, Error> {
    let path = pkcs11::module_path(a.module.as_deref(), crate::unlock::module().as_deref());
    let ctx = pkcs11::context(&path)?;
    let tokens = pkcs11::tokens(&ctx)?;
    say!("module {}", path.display());
    if tokens.is_empty() {
        say!("no tokens present");
        return Ok(1);
    }
    for t in tokens {
        let flags = if t.flags.is_empty() {
            String::new()
        } else {
            format!(" [{}]", t.flags.join(", "))
        };
        say!(
            "token {:?} (manufacturer {}, serial {}, slot {}){flags}",
            t.label,
            t.manufacturer,
            t.serial,
            t.slot.id()
        );
        // Certificates are public objects: no PIN needed to list them.
        let Ok(session) = ctx.open_ro_session(t.slot) else {
            continue;
        };
        let certs = session
            .find_objects(&[Attribute::Class(ObjectClass::CERTIFICATE)])
            .unwrap_or_default();
        for c in certs {
            let attrs = session
                .get_attributes(
                    c,
                    &[
                        AttributeType::Value,
                        AttributeType::Id,
                        AttributeType::Label,
                    ],
                )
                .unwrap_or_default();
            let (mut der, mut id, mut label) = (None, Vec::new(), None);
            for at in attrs {
                match at {
                    Attribute::Value(v) => der = Some(v),
                    Attribute::Id(v) => id = v,
                    Attribute::Label(v) => label = Some(String::from_utf8_lossy(&v).into_owned()),
                    _ => {}
                }
            }
            let Some(cert) = der.and_then(|d| Cert::from_der(d).ok()) else {
                continue;
            };
            let key_type = if cert
                .parsed()
                .tbs_certificate
                .subject_public_key_info
                .algorithm
                .oid
                == const_oid::db::rfc5912::RSA_ENCRYPTION
            {
                "RSA"
            } else {
                "EC"
            };
            say!("  certificate {}", cert.subject());
            say!(
                "    serial {}, {key_type}, valid {} to {}",
                cert.serial_hex(),
                docseal::format_time(cert.not_before()),
                docseal::format_time(cert.not_after())
            );
            say!(
                "    --key '{}'",
                Pkcs11Uri::format(&t.label, label.as_deref(), &id)
            );
        }
    }
    Ok(0)
}
