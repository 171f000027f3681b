//! Mapping XML trees onto typed messages: the element-level error and the lookups every XML
//! codec needs, so each error names the element and says what is wrong with it.

use std::fmt::Display;
use std::str::FromStr;

use crate::xml::Element;

/// A message-level problem in an XML document: which element, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("<{element}>: {problem}")]
pub struct SchemaError {
    /// The element at fault (an attribute is written `Element@attr`).
    pub element: String,
    /// What is wrong, in words.
    pub problem: String,
}

impl SchemaError {
    /// Creates an error for `element`.
    pub fn new(element: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            element: element.into(),
            problem: problem.into(),
        }
    }

    /// The error for a required element that is absent.
    pub fn missing(element: &str) -> Self {
        Self::new(element, "required element is missing")
    }
}

/// The only child named `name`, if any; a second one is an error.
pub(crate) fn optional_child<'a>(
    parent: &'a Element,
    name: &'a str,
) -> Result<Option<&'a Element>, SchemaError> {
    let mut found = parent.children_named(name);
    let first = found.next();
    if found.next().is_some() {
        return Err(SchemaError::new(name, "appears more than once"));
    }
    Ok(first)
}

/// The only child named `name`; absence or a duplicate is an error.
pub(crate) fn required_child<'a>(
    parent: &'a Element,
    name: &'a str,
) -> Result<&'a Element, SchemaError> {
    optional_child(parent, name)?.ok_or_else(|| SchemaError::missing(name))
}

/// Parses an element's text with `FromStr`, naming the element on failure.
pub(crate) fn parse_text<T>(element: &Element) -> Result<T, SchemaError>
where
    T: FromStr,
    T::Err: Display,
{
    if element.text.is_empty() {
        return Err(SchemaError::new(&element.name, "is empty"));
    }
    element.text.parse().map_err(|e| {
        SchemaError::new(
            &element.name,
            format!("invalid value {:?}: {e}", element.text),
        )
    })
}

/// Parses the text of the optional child `name`.
pub(crate) fn optional_text<'a, T>(
    parent: &'a Element,
    name: &'a str,
) -> Result<Option<T>, SchemaError>
where
    T: FromStr,
    T::Err: Display,
{
    optional_child(parent, name)?.map(parse_text).transpose()
}

/// Parses the text of the required child `name`.
pub(crate) fn required_text<'a, T>(parent: &'a Element, name: &'a str) -> Result<T, SchemaError>
where
    T: FromStr,
    T::Err: Display,
{
    parse_text(required_child(parent, name)?)
}

/// Parses attribute `attr` of `element`, if present.
pub(crate) fn optional_attr<T>(element: &Element, attr: &str) -> Result<Option<T>, SchemaError>
where
    T: FromStr,
    T::Err: Display,
{
    element
        .attr(attr)
        .map(|value| {
            value.parse().map_err(|e| {
                SchemaError::new(
                    format!("{}@{attr}", element.name),
                    format!("invalid value {value:?}: {e}"),
                )
            })
        })
        .transpose()
}

/// Parses the required attribute `attr` of `element`.
pub(crate) fn required_attr<T>(element: &Element, attr: &str) -> Result<T, SchemaError>
where
    T: FromStr,
    T::Err: Display,
{
    optional_attr(element, attr)?.ok_or_else(|| {
        SchemaError::new(
            format!("{}@{attr}", element.name),
            "required attribute is missing",
        )
    })
}

/// Checks that a list is no longer than `max` items, naming the list element.
pub(crate) fn check_list_len(element: &str, len: usize, max: usize) -> Result<(), SchemaError> {
    if len > max {
        return Err(SchemaError::new(
            element,
            format!("{len} items, at most {max} allowed"),
        ));
    }
    Ok(())
}
