//! What a file is, decided from its first bytes (magic numbers), never from what the client says.

use crate::text_enum;

text_enum!(
    /// The types an attachment may have.
    pub AttachmentType {
        Jpeg => "image/jpeg",
        Png => "image/png",
        Pdf => "application/pdf",
    }
);

impl AttachmentType {
    /// Whether it is a photo.
    pub fn is_image(self) -> bool {
        matches!(self, AttachmentType::Jpeg | AttachmentType::Png)
    }

    /// A file name extension for `Content-Disposition`.
    pub fn extension(self) -> &'static str {
        match self {
            AttachmentType::Jpeg => "jpg",
            AttachmentType::Png => "png",
            AttachmentType::Pdf => "pdf",
        }
    }
}

const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF];
const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
const PDF: &[u8] = b"%PDF-";

/// The type of `bytes` from their magic number, or `None` when they are none of the three.
pub fn detect(bytes: &[u8]) -> Option<AttachmentType> {
    if bytes.starts_with(JPEG) {
        Some(AttachmentType::Jpeg)
    } else if bytes.starts_with(PNG) {
        Some(AttachmentType::Png)
    } else if bytes.starts_with(PDF) {
        Some(AttachmentType::Pdf)
    } else {
        None
    }
}

/// The media type of a `Content-Type` header value, lower case, without parameters.
pub fn media_type(header: &str) -> String {
    header
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bytes_decide_the_type() {
        assert_eq!(
            detect(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]),
            Some(AttachmentType::Jpeg)
        );
        assert_eq!(
            detect(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some(AttachmentType::Png)
        );
        assert_eq!(detect(b"%PDF-1.7\n"), Some(AttachmentType::Pdf));
        assert_eq!(detect(b"GIF89a"), None);
        assert_eq!(detect(b"<svg xmlns"), None);
        assert_eq!(detect(b""), None);
        assert_eq!(detect(&[0xFF, 0xD8]), None, "too short to be a JPEG");
        assert!(AttachmentType::Png.is_image() && !AttachmentType::Pdf.is_image());
    }

    #[test]
    fn media_types_drop_parameters_and_case() {
        assert_eq!(media_type("Image/JPEG; q=1"), "image/jpeg");
        assert_eq!(media_type(""), "");
    }
}
