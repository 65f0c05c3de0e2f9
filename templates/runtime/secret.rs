//! A wrapper that keeps secrets out of `Debug` output and logs, and wipes them
//! from memory when dropped.

use std::fmt;

use zeroize::Zeroize;

/// A value that must never be printed: client secret, access token.
///
/// `Debug` prints `Secret([REDACTED])`; the value is reachable only through
/// [`Secret::expose`], so every place that reads it is easy to find. The
/// memory is overwritten with zeros when the value is dropped.
#[derive(Clone, PartialEq, Eq, Default)]
pub(crate) struct Secret<T: Zeroize>(T);

impl<T: Zeroize> Secret<T> {
    /// Wraps a secret value.
    pub(crate) fn new(value: T) -> Self {
        Secret(value)
    }

    /// Gives access to the secret; callers must not log what they get.
    pub(crate) fn expose(&self) -> &T {
        &self.0
    }
}

impl<T: Zeroize> Drop for Secret<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<T: Zeroize> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl<'de, T: Zeroize + serde::Deserialize<'de>> serde::Deserialize<'de> for Secret<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Secret::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = Secret::new("hunter2".to_string());
        assert_eq!(format!("{s:?}"), "Secret([REDACTED])");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn the_value_is_wiped_on_drop() {
        let mut s = std::mem::ManuallyDrop::new(Secret::new([7u8; 16]));
        // SAFETY: the secret is dropped in place once and never used as a
        // `Secret` again; its bytes stay on this stack frame, and `[u8; 16]`
        // has no invalid values, so reading them afterwards is sound.
        let bytes = unsafe {
            std::ptr::drop_in_place(&mut *s);
            std::ptr::read(&s.0)
        };
        assert_eq!(bytes, [0u8; 16]);
    }
}
