//! The `Range` request header (RFC 9110 section 14): which bytes of the content a player
//! asks for, as one span or none.

/// What to answer a request for content of a known length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wanted {
    /// No usable range: the whole content, 200.
    Whole,
    /// Bytes `first..=last`, 206 with `Content-Range`.
    Span {
        /// First byte.
        first: u64,
        /// Last byte, included.
        last: u64,
    },
    /// A byte range that does not overlap the content, or a malformed one: 416.
    Unsatisfiable,
}

/// Reads a `Range` header value for content of `len` bytes. Several ranges in one header are
/// answered with the whole content (RFC 9110 lets a server ignore `Range`), which players
/// never ask for anyway; other units are ignored too.
pub(crate) fn wanted(header: Option<&str>, len: u64) -> Wanted {
    let Some(header) = header else {
        return Wanted::Whole;
    };
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return Wanted::Whole;
    };
    if spec.contains(',') {
        return Wanted::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Wanted::Unsatisfiable;
    };
    let number = |text: &str| -> Option<u64> {
        let text = text.trim();
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse().ok()
    };
    match (first.trim().is_empty(), last.trim().is_empty()) {
        // `bytes=-N`: the last N bytes.
        (true, false) => match number(last) {
            Some(suffix) if suffix > 0 && len > 0 => Wanted::Span {
                first: len.saturating_sub(suffix),
                last: len - 1,
            },
            _ => Wanted::Unsatisfiable,
        },
        // `bytes=A-`: from A to the end.
        (false, true) => match number(first) {
            Some(first) if first < len => Wanted::Span {
                first,
                last: len - 1,
            },
            _ => Wanted::Unsatisfiable,
        },
        // `bytes=A-B`, B clipped to the end.
        (false, false) => match (number(first), number(last)) {
            (Some(first), Some(last)) if first <= last && first < len => Wanted::Span {
                first,
                last: last.min(len - 1),
            },
            _ => Wanted::Unsatisfiable,
        },
        (true, true) => Wanted::Unsatisfiable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(first: u64, last: u64) -> Wanted {
        Wanted::Span { first, last }
    }

    #[test]
    fn no_header_or_another_unit_means_the_whole_content() {
        assert_eq!(wanted(None, 100), Wanted::Whole);
        assert_eq!(wanted(Some("items=0-5"), 100), Wanted::Whole);
        assert_eq!(wanted(Some("bytes=0-1,5-6"), 100), Wanted::Whole);
    }

    #[test]
    fn spans_are_read_and_clipped_to_the_content() {
        assert_eq!(wanted(Some("bytes=0-"), 100), span(0, 99));
        assert_eq!(wanted(Some("bytes=10-19"), 100), span(10, 19));
        assert_eq!(wanted(Some("bytes=90-500"), 100), span(90, 99));
        assert_eq!(wanted(Some("bytes=-30"), 100), span(70, 99));
        assert_eq!(wanted(Some("bytes=-300"), 100), span(0, 99));
        assert_eq!(wanted(Some(" bytes= 5 - 6 "), 100), span(5, 6));
    }

    #[test]
    fn ranges_outside_the_content_or_malformed_are_unsatisfiable() {
        for bad in [
            "bytes=100-",
            "bytes=100-200",
            "bytes=20-10",
            "bytes=-0",
            "bytes=-",
            "bytes=x-5",
            "bytes=5",
            "bytes=+5-6",
            "bytes=99999999999999999999999-",
        ] {
            assert_eq!(wanted(Some(bad), 100), Wanted::Unsatisfiable, "{bad}");
        }
        assert_eq!(wanted(Some("bytes=0-"), 0), Wanted::Unsatisfiable);
    }
}
