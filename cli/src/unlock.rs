//! How the command line unlocks a key: `--pin-file`, else DOCSEAL_PIN, else a prompt without
//! echo when a person is at the terminal; a token's PKCS#11 module from DOCSEAL_PKCS11_MODULE.
//! The engine reads none of these itself.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use docseal::keys::Unlock;
use zeroize::Zeroizing;

pub const PIN_ENV: &str = "DOCSEAL_PIN";
pub const MODULE_ENV: &str = "DOCSEAL_PKCS11_MODULE";

/// The unlock a command's `--pin-file` (if any) and environment give.
pub fn unlock(pin_file: Option<PathBuf>) -> Unlock {
    let secret = match &pin_file {
        Some(_) => None,
        None => std::env::var(PIN_ENV).ok().map(Zeroizing::new),
    };
    Unlock {
        secret,
        file: pin_file,
        ask: std::io::stdin().is_terminal().then(|| {
            let ask: docseal::keys::Ask = Arc::new(|what: &str| {
                rpassword::prompt_password(format!("{what}: ")).map(Zeroizing::new)
            });
            ask
        }),
        module: module(),
    }
}

/// DOCSEAL_PKCS11_MODULE, when set.
pub fn module() -> Option<PathBuf> {
    std::env::var_os(MODULE_ENV).map(PathBuf::from)
}
