//! How the center unlocks its own keys (the CA's, the TSA's, a token being enrolled): a PIN
//! file, else the environment variables named, else a prompt without echo when a person is at
//! the terminal; a token's PKCS#11 module from DOCSEAL_PKCS11_MODULE. The engine reads none of
//! these itself.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use docseal::keys::Unlock;
use zeroize::Zeroizing;

/// The unlock a PIN file (if any) and the first of `vars` that is set give.
pub(crate) fn unlock(pin_file: Option<&Path>, vars: &[&str]) -> Unlock {
    let secret = match pin_file {
        Some(_) => None,
        None => vars
            .iter()
            .find_map(|v| std::env::var(v).ok())
            .map(Zeroizing::new),
    };
    Unlock {
        secret,
        file: pin_file.map(Path::to_path_buf),
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
pub(crate) fn module() -> Option<PathBuf> {
    std::env::var_os("DOCSEAL_PKCS11_MODULE").map(PathBuf::from)
}
