//! `multipart/form-data` request bodies (RFC 7578): the object of the body gives
//! its properties as parts, files as file parts, and the whole form is encoded
//! once into plain bytes, so every retry (and a signature) covers the same body.

use bytes::Bytes;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::{Error, ValidationError};
use super::nullable::Nullable;
use super::request::Body;

/// A file sent in a `multipart/form-data` body: its bytes, the file name the
/// server sees (many servers take a part without one for a plain field, and some
/// tell the file's format by its extension) and, optionally, its media type.
///
/// Without [`FilePart::with_content_type`] the part carries the media type the
/// API document gives the property, else `application/octet-stream`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct FilePart {
    bytes: Bytes,
    file_name: Option<String>,
    content_type: Option<String>,
}

impl FilePart {
    /// A file called `file_name` (`report.pdf`) holding `bytes`.
    pub fn new(file_name: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        FilePart { bytes: bytes.into(), file_name: Some(file_name.into()), content_type: None }
    }

    /// Sends the file with this media type (`image/png`).
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// The file name sent with the bytes.
    pub fn file_name(&self) -> Option<&str> {
        self.file_name.as_deref()
    }

    /// The media type set with [`FilePart::with_content_type`].
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }
}

impl std::fmt::Debug for FilePart {
    // Files can hold personal data; only their name, type and size are shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FilePart")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// JSON has no bytes: where a JSON document holds a file (the same object used
/// as a JSON body or answer), it is the file's text.
impl Serialize for FilePart {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&String::from_utf8_lossy(&self.bytes))
    }
}

/// A file read from JSON is its text, without a file name.
impl<'de> Deserialize<'de> for FilePart {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(FilePart { bytes: Bytes::from(text), file_name: None, content_type: None })
    }
}

/// A property of a multipart body that holds files: a file, or an optional or
/// list of them.
#[doc(hidden)]
pub trait Files {
    /// Adds every file held, in order.
    fn each<'a>(&'a self, out: &mut Vec<&'a FilePart>);
}

impl Files for FilePart {
    fn each<'a>(&'a self, out: &mut Vec<&'a FilePart>) {
        out.push(self);
    }
}

impl<T: Files> Files for Option<T> {
    fn each<'a>(&'a self, out: &mut Vec<&'a FilePart>) {
        if let Some(files) = self {
            files.each(out);
        }
    }
}

impl<T: Files> Files for Nullable<T> {
    fn each<'a>(&'a self, out: &mut Vec<&'a FilePart>) {
        if let Some(files) = self.as_ref() {
            files.each(out);
        }
    }
}

impl<T: Files> Files for Vec<T> {
    fn each<'a>(&'a self, out: &mut Vec<&'a FilePart>) {
        for files in self {
            files.each(out);
        }
    }
}

/// The object of a `multipart/form-data` body: generated for each one, it hands
/// every property to the [`Form`].
#[doc(hidden)]
pub trait Multipart {
    fn write_parts(&self, form: &mut Form) -> Result<(), Error>;
}

/// The parts of a body being built.
#[doc(hidden)]
#[derive(Debug)]
pub struct Form {
    /// The media type the API document gives a property's parts (`encoding`).
    declared: &'static [(&'static str, &'static str)],
    parts: Vec<Part>,
}

#[derive(Debug, PartialEq)]
struct Part {
    name: String,
    file_name: Option<String>,
    content_type: Option<String>,
    bytes: Bytes,
}

impl Form {
    fn declared(&self, name: &str) -> Option<&'static str> {
        self.declared.iter().find(|(property, _)| *property == name).map(|(_, content_type)| *content_type)
    }

    /// One file part per file held: the file's own media type, else the
    /// document's, else `application/octet-stream`.
    pub fn files(&mut self, name: &str, files: &impl Files) -> Result<(), Error> {
        let mut held = Vec::new();
        files.each(&mut held);
        for file in held {
            let content_type = match &file.content_type {
                Some(own) if own.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b)) => own.clone(),
                Some(_) => {
                    return Err(Error::Validation(ValidationError {
                        field: name.to_owned(),
                        message: "the file's content type is not a valid header value".into(),
                    }))
                }
                None => self.declared(name).unwrap_or("application/octet-stream").to_owned(),
            };
            self.parts.push(Part {
                name: name.to_owned(),
                file_name: file.file_name.clone(),
                content_type: Some(content_type),
                bytes: file.bytes.clone(),
            });
        }
        Ok(())
    }

    /// A property that is not a file: a string as it is, a number or boolean as
    /// its JSON text, an object as JSON (`application/json`); a list gives one
    /// part per item (OpenAPI: an array's parts follow its items); absent and
    /// `null` give no part.
    pub fn field<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Result<(), Error> {
        match serde_json::to_value(value).map_err(|e| Error::Encode(Box::new(e)))? {
            serde_json::Value::Array(items) => items.into_iter().for_each(|item| self.value(name, item)),
            other => self.value(name, other),
        }
        Ok(())
    }

    fn value(&mut self, name: &str, value: serde_json::Value) {
        let (text, json) = match value {
            serde_json::Value::Null => return,
            serde_json::Value::String(text) => (text, false),
            serde_json::Value::Bool(_) | serde_json::Value::Number(_) => (value.to_string(), false),
            serde_json::Value::Array(_) | serde_json::Value::Object(_) => (value.to_string(), true),
        };
        let content_type = self.declared(name).or(json.then_some("application/json")).map(str::to_owned);
        self.parts.push(Part { name: name.to_owned(), file_name: None, content_type, bytes: Bytes::from(text) });
    }

    /// The body: each part between boundary lines, with its
    /// `content-disposition` and, when it has one, its `content-type`.
    fn encode(&self, boundary: &str) -> Bytes {
        let size: usize = self.parts.iter().map(|p| p.bytes.len() + p.name.len() + 160).sum();
        let mut out = Vec::with_capacity(size + boundary.len() + 8);
        for part in &self.parts {
            out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            out.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{}\"", escape(&part.name)).as_bytes(),
            );
            if let Some(file_name) = &part.file_name {
                out.extend_from_slice(format!("; filename=\"{}\"", escape(file_name)).as_bytes());
            }
            out.extend_from_slice(b"\r\n");
            if let Some(content_type) = &part.content_type {
                out.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
            }
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(&part.bytes);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        Bytes::from(out)
    }
}

/// A part or file name in its quoted string, escaped as browsers do (the HTML
/// standard's multipart/form-data encoding, which RFC 7578 section 4.2 allows):
/// `"`, CR and LF percent-encoded, so a name can neither end the quoted string
/// nor start a header line of its own.
fn escape(name: &str) -> String {
    name.replace('"', "%22").replace('\r', "%0D").replace('\n', "%0A")
}

impl Body {
    /// A `multipart/form-data` body of `value`'s properties; `declared` holds the
    /// media type the API document gives a property's parts. The boundary is a
    /// random v4 UUID: 122 random bits no file's content can be expected to hold.
    pub fn multipart<T: Multipart + ?Sized>(
        value: &T,
        declared: &'static [(&'static str, &'static str)],
    ) -> Result<Body, Error> {
        let mut form = Form { declared, parts: Vec::new() };
        value.write_parts(&mut form)?;
        let boundary = uuid::Uuid::new_v4().simple().to_string();
        Ok(Body {
            content_type: format!("multipart/form-data; boundary={boundary}").into(),
            bytes: form.encode(&boundary),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An upload as the generator writes one.
    struct Upload {
        file: FilePart,
        extra: Vec<FilePart>,
        purpose: String,
        size: Option<i64>,
        note: Nullable<String>,
        tags: Vec<String>,
        meta: Option<serde_json::Value>,
    }

    impl Multipart for Upload {
        fn write_parts(&self, form: &mut Form) -> Result<(), Error> {
            form.files("file", &self.file)?;
            form.files("extra", &self.extra)?;
            form.field("purpose", &self.purpose)?;
            form.field("size", &self.size)?;
            form.field("note", &self.note)?;
            form.field("tags", &self.tags)?;
            form.field("meta", &self.meta)?;
            Ok(())
        }
    }

    fn upload() -> Upload {
        Upload {
            file: FilePart::new("a.png", &b"\x89PNG\r\n\x00"[..]).with_content_type("image/png"),
            extra: vec![FilePart::new("b.txt", "bee"), FilePart::new("c.bin", "sea")],
            purpose: "fine-tune".into(),
            size: Some(7),
            note: Nullable::Null,
            tags: vec!["x".into(), "y".into()],
            meta: Some(serde_json::json!({"k": [1, true]})),
        }
    }

    fn boundary_of(body: &Body) -> String {
        body.content_type.strip_prefix("multipart/form-data; boundary=").expect("a multipart content type").to_owned()
    }

    #[test]
    fn encodes_files_fields_lists_and_json() {
        let body = Body::multipart(&upload(), &[("extra", "text/plain")]).unwrap();
        let b = boundary_of(&body);
        assert_eq!(b.len(), 32);
        assert!(b.bytes().all(|c| c.is_ascii_hexdigit()));
        let mut expected: Vec<u8> = Vec::new();
        let mut part = |head: &str, bytes: &[u8]| {
            expected.extend_from_slice(format!("--{b}\r\n{head}\r\n\r\n").as_bytes());
            expected.extend_from_slice(bytes);
            expected.extend_from_slice(b"\r\n");
        };
        part(
            "Content-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png",
            b"\x89PNG\r\n\x00",
        );
        part("Content-Disposition: form-data; name=\"extra\"; filename=\"b.txt\"\r\nContent-Type: text/plain", b"bee");
        part("Content-Disposition: form-data; name=\"extra\"; filename=\"c.bin\"\r\nContent-Type: text/plain", b"sea");
        part("Content-Disposition: form-data; name=\"purpose\"", b"fine-tune");
        part("Content-Disposition: form-data; name=\"size\"", b"7");
        part("Content-Disposition: form-data; name=\"tags\"", b"x");
        part("Content-Disposition: form-data; name=\"tags\"", b"y");
        part("Content-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json", br#"{"k":[1,true]}"#);
        expected.extend_from_slice(format!("--{b}--\r\n").as_bytes());
        assert_eq!(String::from_utf8_lossy(&body.bytes), String::from_utf8_lossy(&expected));
        assert_eq!(body.bytes, expected);
    }

    #[test]
    fn absent_values_give_no_part_and_files_default_to_octet_stream() {
        let mut upload = upload();
        upload.size = None;
        upload.note = Nullable::Absent;
        upload.meta = None;
        upload.tags.clear();
        upload.extra = vec![FilePart::new("d", "dee")];
        let body = Body::multipart(&upload, &[]).unwrap();
        let text = String::from_utf8_lossy(&body.bytes);
        for gone in ["\"size\"", "\"note\"", "\"meta\"", "\"tags\""] {
            assert!(!text.contains(gone), "{gone} in {text}");
        }
        assert!(
            text.contains("name=\"extra\"; filename=\"d\"\r\nContent-Type: application/octet-stream\r\n\r\ndee\r\n")
        );
        // A document's media type for a text field is sent too.
        let declared = Body::multipart(&upload, &[("purpose", "text/plain; charset=utf-8")]).unwrap();
        assert!(String::from_utf8_lossy(&declared.bytes)
            .contains("name=\"purpose\"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nfine-tune"));
    }

    #[test]
    fn names_cannot_break_out_of_their_quotes_or_lines() {
        let mut upload = upload();
        upload.file = FilePart::new("evil\".png\r\nContent-Type: text/html", "x");
        let body = Body::multipart(&upload, &[]).unwrap();
        let text = String::from_utf8_lossy(&body.bytes);
        assert!(text.contains("filename=\"evil%22.png%0D%0AContent-Type: text/html\"\r\n"), "{text}");
        assert_eq!(escape("a\"b\r\nc"), "a%22b%0D%0Ac");
        upload.file = FilePart::new("a", "x").with_content_type("text/plain\r\nx-evil: 1");
        match Body::multipart(&upload, &[]) {
            Err(Error::Validation(e)) => assert_eq!(e.field, "file"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_body_has_its_own_boundary() {
        let (a, b) = (Body::multipart(&upload(), &[]).unwrap(), Body::multipart(&upload(), &[]).unwrap());
        assert_ne!(boundary_of(&a), boundary_of(&b));
    }

    #[test]
    fn files_in_json_are_their_text_and_debug_shows_no_content() {
        let file = FilePart::new("secret.txt", "Erika Mustermann").with_content_type("text/plain");
        assert_eq!(serde_json::to_string(&file).unwrap(), r#""Erika Mustermann""#);
        let back: FilePart = serde_json::from_str(r#""hi""#).unwrap();
        assert_eq!((back.bytes().as_ref(), back.file_name(), back.content_type()), (&b"hi"[..], None, None));
        let debug = format!("{file:?}");
        assert!(!debug.contains("Erika") && debug.contains("secret.txt") && debug.contains("16"), "{debug}");
        assert_eq!(file.file_name(), Some("secret.txt"));
        assert_eq!(file.content_type(), Some("text/plain"));
    }
}
