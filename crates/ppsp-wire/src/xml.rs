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
            escape_into(out, value);
            out.push('"');
        }
        if self.children.is_empty() && self.text.is_empty() {
            out.push_str("/>\n");
            return;
        }
        out.push('>');
        if self.children.is_empty() {
            escape_into(out, &self.text);
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

/// Escapes the five XML special characters so that text and attribute values round-trip.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
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

/// Builds the tree from reader events, one open element per nesting level.
struct TreeBuilder<'l> {
    limits: &'l XmlLimits,
    stack: Vec<Element>,
    /// Raw (untrimmed) text of each open element, kept apart so trimming happens once at close.
    texts: Vec<String>,
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
                Event::Text(t) => self.push_text(&t.xml10_content())?,
                Event::CData(t) => self.push_text(&t)?,
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
                    self.push_text(&resolved)?;
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
            element
                .attributes
                .push((attribute.key.as_ref().to_string(), value.into_owned()));
        }
        self.stack.push(element);
        self.texts.push(String::new());
        Ok(())
    }

    fn close(&mut self) -> Result<(), XmlError> {
        let (Some(mut element), Some(text)) = (self.stack.pop(), self.texts.pop()) else {
            return Err(XmlError::Syntax {
                position: 0,
                message: "unmatched end tag".into(),
            });
        };
        let trimmed = text.trim();
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

    fn push_text(&mut self, text: &str) -> Result<(), XmlError> {
        let Some(buffer) = self.texts.last_mut() else {
            // Outside the root only whitespace is allowed.
            if text.trim().is_empty() {
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
        if buffer.len() + text.len() > self.limits.max_text_bytes {
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
        buffer.push_str(text);
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
    fn written_documents_read_back_identically() {
        let tree = Element::new("Root")
            .with_attr("version", "1.0")
            .with_text_child("Name", "a<b & \"c\"")
            .with_child(Element::new("Empty").with_attr("k", "v'"));
        let text = tree.to_document();
        assert_eq!(parse(&text).unwrap(), tree);
    }
}
