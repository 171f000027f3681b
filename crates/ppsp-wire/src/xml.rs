//! A small, hardened XML tree used by the peer protocol's XML profile and the tracker's XML form.
//!
//! Both XML dialects are flat documents of a few dozen elements, so the codecs first read the
//! document into an [`Element`] tree and then map it onto typed messages. Reading a tree first
//! keeps element order free on input (the profile requires that), lets unknown elements be
//! skipped, and gives one place to enforce the safety rules for untrusted input:
//!
//! - UTF-8 only, no DTD (`<!DOCTYPE` is refused, so no entity can be declared or expanded), only
//!   the five predefined entities and character references, no processing instructions besides
//!   the XML declaration;
//! - limits on document size, nesting depth, element count, attributes per element and text size,
//!   each reported by a distinct error.
//!
//! Writing goes through the same tree, so output is deterministic: an XML declaration, two-space
//! indentation, attributes in insertion order.

use std::fmt::Write as _;

use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

/// Limits applied while reading an XML document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XmlLimits {
    /// Largest document accepted, in bytes.
    pub max_bytes: usize,
    /// Deepest element nesting accepted (the root is depth 1).
    pub max_depth: usize,
    /// Most elements accepted in one document.
    pub max_elements: usize,
    /// Most attributes accepted on one element.
    pub max_attributes: usize,
    /// Longest text content accepted in one element, in bytes after unescaping.
    pub max_text_bytes: usize,
}

impl Default for XmlLimits {
    /// Sized for the largest legitimate message: a 200-peer list, or an availability map of
    /// several million chunks (1 MiB of base64 is about 6 million chunks).
    fn default() -> Self {
        Self {
            max_bytes: 1 << 20,
            max_depth: 8,
            max_elements: 8192,
            max_attributes: 16,
            max_text_bytes: 1 << 20,
        }
    }
}

/// Why an XML document could not be read, before any message-specific check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum XmlError {
    /// The document is larger than [`XmlLimits::max_bytes`].
    #[error("document is {len} bytes, over the limit of {max}")]
    TooLarge {
        /// Size of the document.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The document is not valid UTF-8.
    #[error("document is not UTF-8 (invalid byte at offset {offset})")]
    NotUtf8 {
        /// Offset of the first invalid byte.
        offset: usize,
    },
    /// The document is not well-formed XML.
    #[error("malformed XML at byte {position}: {message}")]
    Syntax {
        /// Byte offset where the reader stopped.
        position: u64,
        /// What the reader found wrong.
        message: String,
    },
    /// The document contains a DTD, which is never accepted (no entity declarations).
    #[error("DTDs (<!DOCTYPE ...>) are not accepted")]
    Dtd,
    /// The document uses an entity other than the five predefined ones.
    #[error("undefined entity &{name}; (only amp, lt, gt, quot, apos and character references)")]
    UndefinedEntity {
        /// The entity name.
        name: String,
    },
    /// The document contains a processing instruction other than the XML declaration.
    #[error("processing instructions are not accepted")]
    ProcessingInstruction,
    /// Elements are nested deeper than [`XmlLimits::max_depth`].
    #[error("elements nested deeper than {max} levels")]
    TooDeep {
        /// The limit.
        max: usize,
    },
    /// The document has more elements than [`XmlLimits::max_elements`].
    #[error("more than {max} elements")]
    TooManyElements {
        /// The limit.
        max: usize,
    },
    /// An element has more attributes than [`XmlLimits::max_attributes`].
    #[error("<{element}> has more than {max} attributes")]
    TooManyAttributes {
        /// The element name.
        element: String,
        /// The limit.
        max: usize,
    },
    /// An element's text is longer than [`XmlLimits::max_text_bytes`].
    #[error("text of <{element}> is longer than {max} bytes")]
    TextTooLong {
        /// The element name.
        element: String,
        /// The limit.
        max: usize,
    },
    /// Text or an attribute value holds a character XML 1.0 does not allow (most control
    /// characters, U+FFFE, U+FFFF), written raw or as a character reference.
    #[error("<{element}> contains the character U+{code:04X}, which XML does not allow")]
    IllegalCharacter {
        /// The element holding it.
        element: String,
        /// The character's code point.
        code: u32,
    },
    /// An element mixes non-blank text with child elements.
    #[error("<{element}> mixes text and child elements")]
    MixedContent {
        /// The element name.
        element: String,
    },
    /// There is no root element.
    #[error("document has no root element")]
    NoRoot,
    /// There is more than one root element, or text outside the root.
    #[error("content after the root element")]
    TrailingContent,
}

/// One element of a document: name, attributes, child elements and text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    /// The element name, prefix included if any.
    pub name: String,
    /// Attributes in document order.
    pub attributes: Vec<(String, String)>,
    /// Child elements in document order.
    pub children: Vec<Self>,
    /// Text content with leading and trailing whitespace removed (empty when there is none).
    pub text: String,
}

impl Element {
    /// Creates an element with no attributes, children or text.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Builder: adds an attribute.
    pub fn with_attr(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.attributes.push((name.into(), value.into()));
        self
    }

    /// Builder: sets the text.
    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        self.text = text.into();
        self
    }

    /// Builder: appends a child element.
    pub fn with_child(mut self, child: Self) -> Self {
        self.children.push(child);
        self
    }

    /// Builder: appends a child element holding only text.
    pub fn with_text_child(self, name: impl Into<String>, text: impl Into<String>) -> Self {
        self.with_child(Self::new(name).with_text(text))
    }

    /// The value of an attribute, if present.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// All children with the given name, in document order.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Self> + 'a {
        self.children.iter().filter(move |child| child.name == name)
    }

    /// Reads a document into its root element, enforcing `limits`.
    pub fn parse(input: &[u8], limits: &XmlLimits) -> Result<Self, XmlError> {
        if input.len() > limits.max_bytes {
            return Err(XmlError::TooLarge {
                len: input.len(),
                max: limits.max_bytes,
            });
        }
        let text = std::str::from_utf8(input).map_err(|e| XmlError::NotUtf8 {
            offset: e.valid_up_to(),
        })?;
        TreeBuilder::new(limits).build(text)
    }

    /// Writes the element as a complete document with an XML declaration.
    pub fn to_document(&self) -> String {
        let mut out = String::with_capacity(256);
        out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        self.write_to(&mut out, 0);
        out
    }

    fn write_to(&self, out: &mut String, depth: usize) {
        for _ in 0..depth {
            out.push_str("  ");
        }
        out.push('<');
        out.push_str(&self.name);
        for (key, value) in &self.attributes {
            let _ = write!(out, " {key}=\"");
            escape_into(out, value, true);
            out.push('"');
        }
        if self.children.is_empty() && self.text.is_empty() {
            out.push_str("/>\n");
            return;
        }
        out.push('>');
        if self.children.is_empty() {
            escape_into(out, &self.text, false);
        } else {
            out.push('\n');
            for child in &self.children {
                child.write_to(out, depth + 1);
            }
            for _ in 0..depth {
                out.push_str("  ");
            }
        }
        let _ = writeln!(out, "</{}>", self.name);
    }
}

/// Whether `c` is XML whitespace (production `S`); other Unicode spaces are content.
fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// Whether XML 1.0 allows `c` in a document (production `Char`).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        || c >= '\u{10000}'
}

/// Escapes a value so that it reads back exactly: the five special characters, and every
/// whitespace character a reader would normalise (attribute values) or that this reader trims
/// (leading and trailing whitespace of text), as character references. Characters XML cannot
/// carry at all become U+FFFD: typed messages never hold them when they come from a decoder.
fn escape_into(out: &mut String, text: &str, is_attribute: bool) {
    let first_kept = text.len() - text.trim_start_matches(is_xml_space).len();
    let last_kept = text.trim_end_matches(is_xml_space).len();
    for (at, c) in text.char_indices() {
        let at_edge = at < first_kept || at >= last_kept;
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' if is_attribute || at_edge => {
                let _ = write!(out, "&#{};", u32::from(c));
            }
            ' ' if !is_attribute && at_edge => out.push_str("&#32;"),
            c if !is_xml_char(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

fn resolve_predefined(name: &str) -> Option<&'static str> {
    Some(match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => return None,
    })
}

/// The text of one open element, with the span that is not formatting whitespace.
#[derive(Default)]
struct TextBuffer {
    text: String,
    /// Byte range of `text` from the first to the last significant character, if any.
    significant: Option<(usize, usize)>,
}

impl TextBuffer {
    fn push(&mut self, piece: &str, literal: bool) {
        let base = self.text.len();
        self.text.push_str(piece);
        for (at, c) in piece.char_indices() {
            if literal && is_xml_space(c) {
                continue;
            }
            let (start, end) = (base + at, base + at + c.len_utf8());
            self.significant = Some(match self.significant {
                Some((first, _)) => (first, end),
                None => (start, end),
            });
        }
    }

    fn significant(&self) -> &str {
        self.significant
            .map_or("", |(start, end)| &self.text[start..end])
    }
}

/// Builds the tree from reader events, one open element per nesting level.
struct TreeBuilder<'l> {
    limits: &'l XmlLimits,
    stack: Vec<Element>,
    /// Text of each open element, kept apart so trimming happens once at close.
    texts: Vec<TextBuffer>,
    root: Option<Element>,
    elements: usize,
}

impl<'l> TreeBuilder<'l> {
    fn new(limits: &'l XmlLimits) -> Self {
        Self {
            limits,
            stack: Vec::new(),
            texts: Vec::new(),
            root: None,
            elements: 0,
        }
    }

    fn build(mut self, text: &str) -> Result<Element, XmlError> {
        let mut reader = Reader::from_str(text);
        reader.config_mut().check_end_names = true;
        loop {
            let event = reader.read_event().map_err(|e| XmlError::Syntax {
                position: reader.error_position(),
                message: e.to_string(),
            })?;
            match event {
                Event::Start(start) => self.open(&start)?,
                Event::Empty(start) => {
                    self.open(&start)?;
                    self.close()?;
                }
                Event::End(_) => self.close()?,
                Event::Text(t) => self.push_text(&t.xml10_content(), true)?,
                Event::CData(t) => self.push_text(&t, false)?,
                Event::GeneralRef(r) => {
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        Ok(None) => match resolve_predefined(&r) {
                            Some(s) => s.to_string(),
                            None => {
                                return Err(XmlError::UndefinedEntity {
                                    name: r.to_string(),
                                });
                            }
                        },
                        Err(e) => {
                            return Err(XmlError::Syntax {
                                position: reader.buffer_position(),
                                message: e.to_string(),
                            });
                        }
                    };
                    self.push_text(&resolved, false)?;
                }
                Event::DocType(_) => return Err(XmlError::Dtd),
                Event::PI(_) => return Err(XmlError::ProcessingInstruction),
                Event::Decl(_) | Event::Comment(_) => {}
                Event::Eof => break,
            }
        }
        if !self.stack.is_empty() {
            return Err(XmlError::Syntax {
                position: text.len() as u64,
                message: "document ends inside an element".into(),
            });
        }
        self.root.ok_or(XmlError::NoRoot)
    }

    fn open(&mut self, start: &BytesStart<'_>) -> Result<(), XmlError> {
        if self.root.is_some() {
            return Err(XmlError::TrailingContent);
        }
        if self.stack.len() >= self.limits.max_depth {
            return Err(XmlError::TooDeep {
                max: self.limits.max_depth,
            });
        }
        self.elements += 1;
        if self.elements > self.limits.max_elements {
            return Err(XmlError::TooManyElements {
                max: self.limits.max_elements,
            });
        }
        let name = start.name().as_ref().to_string();
        let mut element = Element::new(name);
        for attribute in start.attributes() {
            let attribute = attribute.map_err(|e| XmlError::Syntax {
                position: 0,
                message: format!("attribute of <{}>: {e}", element.name),
            })?;
            if element.attributes.len() >= self.limits.max_attributes {
                return Err(XmlError::TooManyAttributes {
                    element: element.name,
                    max: self.limits.max_attributes,
                });
            }
            let value = attribute
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| match e {
                    quick_xml::Error::Escape(
                        quick_xml::escape::EscapeError::UnrecognizedEntity(_, name),
                    ) => XmlError::UndefinedEntity { name },
                    other => XmlError::Syntax {
                        position: 0,
                        message: format!("attribute of <{}>: {other}", element.name),
                    },
                })?;
            if let Some(c) = value.chars().find(|c| !is_xml_char(*c)) {
                return Err(XmlError::IllegalCharacter {
                    element: element.name,
                    code: u32::from(c),
                });
            }
            element
                .attributes
                .push((attribute.key.as_ref().to_string(), value.into_owned()));
        }
        self.stack.push(element);
        self.texts.push(TextBuffer::default());
        Ok(())
    }

    fn close(&mut self) -> Result<(), XmlError> {
        let (Some(mut element), Some(text)) = (self.stack.pop(), self.texts.pop()) else {
            return Err(XmlError::Syntax {
                position: 0,
                message: "unmatched end tag".into(),
            });
        };
        let trimmed = text.significant();
        if !trimmed.is_empty() && !element.children.is_empty() {
            return Err(XmlError::MixedContent {
                element: element.name,
            });
        }
        element.text = trimmed.to_string();
        match self.stack.last_mut() {
            Some(parent) => parent.children.push(element),
            None => self.root = Some(element),
        }
        Ok(())
    }

    /// Appends text to the open element. `literal` text is as written in the document, whose
    /// leading and trailing whitespace is formatting; text from a character reference or a
    /// CDATA section is always kept.
    fn push_text(&mut self, text: &str, literal: bool) -> Result<(), XmlError> {
        let element = || {
            self.stack
                .last()
                .map(|e| e.name.clone())
                .unwrap_or_default()
        };
        if let Some(c) = text.chars().find(|c| !is_xml_char(*c)) {
            return Err(XmlError::IllegalCharacter {
                element: element(),
                code: u32::from(c),
            });
        }
        let Some(buffer) = self.texts.last_mut() else {
            // Outside the root only whitespace is allowed.
            if literal && text.trim().is_empty() {
                return Ok(());
            }
            return Err(if self.root.is_some() {
                XmlError::TrailingContent
            } else {
                XmlError::Syntax {
                    position: 0,
                    message: "text before the root element".into(),
                }
            });
        };
        if buffer.text.len() + text.len() > self.limits.max_text_bytes {
            let element = self
                .stack
                .last()
                .map(|e| e.name.clone())
                .unwrap_or_default();
            return Err(XmlError::TextTooLong {
                element,
                max: self.limits.max_text_bytes,
            });
        }
        buffer.push(text, literal);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Element, XmlError> {
        Element::parse(text.as_bytes(), &XmlLimits::default())
    }

    #[test]
    fn reads_elements_attributes_and_entities() {
        let root = parse(
            "<?xml version=\"1.0\"?><!-- c --><R v=\"1&amp;2\"><A>x &lt; y &#x41;</A><B/></R>",
        )
        .unwrap();
        assert_eq!(root.name, "R");
        assert_eq!(root.attr("v"), Some("1&2"));
        assert_eq!(root.children[0].text, "x < y A");
        assert_eq!(root.children[1].name, "B");
    }

    #[test]
    fn refuses_doctype_and_custom_entities() {
        let bomb = "<?xml version=\"1.0\"?><!DOCTYPE R [<!ENTITY a \"aaaa\">]><R>&a;</R>";
        assert_eq!(parse(bomb), Err(XmlError::Dtd));
        assert_eq!(
            parse("<R>&a;</R>"),
            Err(XmlError::UndefinedEntity { name: "a".into() })
        );
        assert!(matches!(
            parse("<R v=\"&x;\"/>"),
            Err(XmlError::UndefinedEntity { .. })
        ));
        assert_eq!(
            parse("<R><?php x?></R>"),
            Err(XmlError::ProcessingInstruction)
        );
    }

    #[test]
    fn enforces_each_limit_with_its_own_error() {
        let limits = XmlLimits {
            max_bytes: 200,
            max_depth: 3,
            max_elements: 4,
            max_attributes: 2,
            max_text_bytes: 5,
        };
        let p = |t: &str| Element::parse(t.as_bytes(), &limits);
        assert!(matches!(
            p(&"x".repeat(201)),
            Err(XmlError::TooLarge { len: 201, max: 200 })
        ));
        assert_eq!(
            p("<a><b><c><d/></c></b></a>"),
            Err(XmlError::TooDeep { max: 3 })
        );
        assert_eq!(
            p("<a><b/><b/><b/><b/></a>"),
            Err(XmlError::TooManyElements { max: 4 })
        );
        assert!(matches!(
            p("<a x='1' y='2' z='3'/>"),
            Err(XmlError::TooManyAttributes { .. })
        ));
        assert!(matches!(
            p("<a>123456</a>"),
            Err(XmlError::TextTooLong { .. })
        ));
    }

    #[test]
    fn rejects_malformed_documents() {
        assert!(matches!(parse("<a><b></a>"), Err(XmlError::Syntax { .. })));
        assert!(matches!(parse("<a>"), Err(XmlError::Syntax { .. })));
        assert_eq!(parse(""), Err(XmlError::NoRoot));
        assert_eq!(parse("<a/><b/>"), Err(XmlError::TrailingContent));
        assert!(matches!(
            parse("<a>t<b/></a>"),
            Err(XmlError::MixedContent { .. })
        ));
        assert!(matches!(
            Element::parse(b"<a>\xff</a>", &XmlLimits::default()),
            Err(XmlError::NotUtf8 { .. })
        ));
        assert!(parse("<a x='1' x='2'/>").is_err());
    }

    #[test]
    fn characters_xml_forbids_are_refused_raw_or_referenced() {
        assert_eq!(
            parse("<a>x\u{0}y</a>"),
            Err(XmlError::IllegalCharacter {
                element: "a".into(),
                code: 0
            })
        );
        assert_eq!(
            parse("<a>&#x1;</a>"),
            Err(XmlError::IllegalCharacter {
                element: "a".into(),
                code: 1
            })
        );
        assert!(matches!(
            parse("<a v='\u{1b}'/>"),
            Err(XmlError::IllegalCharacter { code: 0x1b, .. })
        ));
        assert!(parse("<a>\u{FFFF}</a>").is_err());
    }

    #[test]
    fn formatting_whitespace_is_trimmed_but_referenced_whitespace_is_kept() {
        assert_eq!(parse("<a>\n  x y \t</a>").unwrap().text, "x y");
        assert_eq!(parse("<a> &#32;x&#10; </a>").unwrap().text, " x\n");
        assert_eq!(parse("<a>\u{a0}x</a>").unwrap().text, "\u{a0}x");
        assert_eq!(parse("<a><![CDATA[ x ]]></a>").unwrap().text, " x ");
    }

    #[test]
    fn awkward_values_survive_a_round_trip() {
        for value in [
            " lead",
            "trail\t",
            "cr\rlf\r\n",
            "\n",
            "  ",
            "tab\tinside",
            "a\u{a0}",
        ] {
            let tree = Element::new("R")
                .with_attr("v", value)
                .with_text_child("T", value);
            let back = parse(&tree.to_document()).unwrap();
            assert_eq!(back, tree, "value {value:?}");
        }
        let unrepresentable = Element::new("R").with_text("bell\u{7}");
        assert_eq!(
            parse(&unrepresentable.to_document()).unwrap().text,
            "bell\u{FFFD}"
        );
    }

    #[test]
    fn written_documents_read_back_identically() {
        let tree = Element::new("Root")
            .with_attr("version", "1.0")
            .with_text_child("Name", "a<b & \"c\"")
            .with_child(Element::new("Empty").with_attr("k", "v'"));
        let text = tree.to_document();
        assert_eq!(parse(&text).unwrap(), tree);
    }
}
