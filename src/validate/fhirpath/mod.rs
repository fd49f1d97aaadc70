//! FHIRPath evaluation for FHIR STU3 invariants (`StructureDefinition.snapshot.element.constraint.expression`).
//!
//! The engine implements the FHIRPath N1 grammar (as used by FHIR STU3, with the operator precedence of the
//! normative release) over resources held as FHIR JSON (`serde_json::Value`).  Expressions are parsed once
//! into an [`Expr`] (which is `Send + Sync` and reusable) and evaluated against a focus node and the
//! containing resource.
//!
//! # JSON model
//! * A path step `name` navigates object properties; arrays flatten into the result collection.
//! * Primitive extensions: `birthDate` together with `_birthDate` form one node, so `birthDate.extension`
//!   and `birthDate.id` come from `_birthDate`; a primitive with only `_x` is a node without a value.
//! * Choice elements: the step `value` matches `valueString`, `valueQuantity`, ... when `value` is one of the
//!   STU3 choice element names and the suffix is a FHIR type name. The suffix becomes the node's type, so
//!   `ofType(Quantity)`, `is(boolean)` and `as(decimal)` work on choice elements.
//! * Resources are typed by `resourceType` (`is(Patient)`, `ofType(Resource)`, `is(DomainResource)`).
//!
//! # Type inference limits
//! Without the StructureDefinitions the type of a non-choice element is inferred from its JSON shape only:
//! JSON booleans are `boolean`; integral numbers are `integer` (also accepted as `decimal`, `unsignedInt` and
//! `positiveInt` when in range); other numbers are `decimal`; strings are accepted as any string-like
//! primitive (`string`, `code`, `id`, `uri`, `markdown`, ...) and as `date`/`dateTime`/`instant`/`time` when
//! their lexical form fits. Objects without `resourceType` that are not choice elements have no known type
//! (only `is(Element)` is true). `System.X` and `FHIR.x` type names are not distinguished.
//!
//! # Deliberate simplifications
//! * `resolve()` returns empty (references are not followed), `memberOf()` returns empty (needs a
//!   terminology service), `conformsTo()` returns empty, and `htmlChecks()`/`htmlchecks()` returns `true`
//!   (narrative XHTML is checked elsewhere).
//! * `matches()` is a partial (search) match, single-line mode (`.` matches newlines), as in FHIRPath N1/R4;
//!   STU3 invariants anchor explicitly with `^...$`. Regular expressions use the `regex` crate syntax (no
//!   look-around or back-references); `\<` and `\>` are treated as literal `<` and `>`.
//! * `hasValue()` is false for an empty or whitespace-only string, mirroring the reference Java
//!   implementation (FHIR JSON forbids empty strings), so `ele-1` fails on `"family": ""`.
//! * Strings are compared as dates/times by `<`, `<=`, `>`, `>=` when both sides parse as FHIR date/time
//!   values (or one side is a date/time literal); `=` between two JSON strings is string equality.
//! * Comparing date/times of different precision yields empty when they agree up to the shorter precision.
//!   Date/times with a time part but no offset are treated as UTC.
//! * Quantities compare only when their units (UCUM `code`, else `unit`) are identical (calendar keywords
//!   are normalised: `second` = `'s'`, `millisecond` = `'ms'`, plurals = singulars); no UCUM conversion.
//! * Unknown escape sequences in string literals (e.g. `'\d'`) are kept verbatim (backslash included).
//! * Regular expressions given as a string literal are compiled at parse time; others per evaluation.
//! * Unknown functions and unknown `%variables` are parse errors. Supported variables: `%resource`,
//!   `%rootResource` (both the `resource` argument), `%context`, `%ucum`, `%sct`, `%loinc`,
//!   ``%`vs-x` `` and ``%`ext-x` `` (also `%'vs-x'`).
//! * Arguments of non-iterating functions (`union(x)`, `substring(n)`, ...) are evaluated against `$this`, as
//!   in the specification's `name.select(use.union(given))` example; `where`/`select`/`all`/`exists`/
//!   `repeat`/`aggregate` evaluate their argument per input item.
//! * `repeat()` de-duplicates nodes by identity (not by value), `descendants()` is a plain tree walk, and
//!   `|`/`union()`/`distinct()` de-duplicate by FHIRPath equality (deep JSON equality for complex nodes).
//! * Singleton evaluation: a boolean context (`and`, `where`, `iif`, `not()`) accepts one Boolean, treats
//!   one non-Boolean item as `true` and a collection of several items as an evaluation error.
//! * Not implemented: `lowBoundary()`/`highBoundary()`, `type()`, math functions, `split()`/`join()`.

mod datetime;
mod decimal;
mod eval;
mod functions;
mod lexer;
mod native;
mod navigate;
mod parser;
mod quantity;
mod types;

use serde_json::{Map, Value};

pub use datetime::{PartialDateTime, PartialTime, Precision};
pub use decimal::Decimal;
pub use quantity::Quantity;

use eval::{eval, Env};
use lexer::{tokenize, Tok};
use navigate::object_ext;
use parser::{Ast, Parser};

// ---------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------

/// Errors raised while parsing or evaluating a FHIRPath expression.
#[derive(Debug, thiserror::Error)]
pub enum FhirPathError {
    /// The expression is not valid FHIRPath (or uses an unsupported function / unknown variable).
    /// `pos` is a byte offset into `expr`.
    #[error("FHIRPath parse error in `{expr}` at offset {pos}: {message}")]
    Parse {
        expr: String,
        pos: usize,
        message: String,
    },
    /// Evaluation failed (e.g. a singleton was required but a collection was found, incomparable types).
    #[error("FHIRPath evaluation error in `{expr}`: {message}")]
    Eval { expr: String, message: String },
}

#[derive(Debug)]
struct EvalError(String);

type EResult<T> = Result<T, EvalError>;

fn fail<T>(message: impl Into<String>) -> EResult<T> {
    Err(EvalError(message.into()))
}

#[derive(Debug)]
struct ParseErr {
    pos: usize,
    message: String,
}

type PResult<T> = Result<T, ParseErr>;

fn perr<T>(pos: usize, message: impl Into<String>) -> PResult<T> {
    Err(ParseErr {
        pos,
        message: message.into(),
    })
}

// ---------------------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------------------

/// A parsed FHIRPath expression; cheap to evaluate many times and shareable between threads.
#[derive(Debug, Clone)]
pub struct Expr {
    source: String,
    ast: Ast,
    /// The native form of a common invariant shape (`native.rs`), tried before the evaluator by `holds`.
    native: Option<native::Native>,
}

/// In a debug build (the tests), how many invariant answers came from a native form and every one that
/// differed from the evaluator's (none should); `None` in a release build, which does not check.
pub fn native_cross_check() -> Option<(u64, Vec<String>)> {
    native::cross_checked()
}

/// Parses a FHIRPath expression.
pub fn parse(expr: &str) -> Result<Expr, FhirPathError> {
    let ast = parse_ast(expr)?;
    Ok(Expr {
        source: expr.to_string(),
        native: native::Native::compile(&ast),
        ast,
    })
}

/// The syntax tree of an expression.
fn parse_ast(expr: &str) -> Result<Ast, FhirPathError> {
    let to_error = |e: ParseErr| FhirPathError::Parse {
        expr: expr.to_string(),
        pos: e.pos,
        message: e.message,
    };
    let toks = tokenize(expr).map_err(to_error)?;
    let mut parser = Parser {
        toks,
        i: 0,
        depth: 0,
    };
    let ast = parser.parse_expression(0).map_err(to_error)?;
    let tok = parser.peek();
    if tok.tok != Tok::Eof {
        return Err(to_error(ParseErr {
            pos: tok.pos,
            message: format!("unexpected {}", tok.tok.describe()),
        }));
    }
    Ok(ast)
}

impl std::str::FromStr for Expr {
    type Err = FhirPathError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

impl Expr {
    /// The expression text this was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Evaluates with `focus` as the context (`$this` and `%context`) and `resource` as
    /// `%resource`/`%rootResource` (the containing resource; for contained/Bundle-entry resources the caller
    /// passes the right one).
    pub fn evaluate<'a>(
        &self,
        focus: &'a Value,
        resource: &'a Value,
    ) -> Result<Vec<Item<'a>>, FhirPathError> {
        self.evaluate_item(&Item::Node(Node::new(focus)), resource)
    }

    /// Like [`Expr::evaluate`] but with an arbitrary item (e.g. a primitive node found by an earlier
    /// evaluation, which keeps its `_x` extension companion) as the focus.
    pub fn evaluate_item<'a>(
        &self,
        focus: &Item<'a>,
        resource: &'a Value,
    ) -> Result<Vec<Item<'a>>, FhirPathError> {
        let env = Env {
            context: focus,
            resource,
            this: focus,
            index: None,
            total: None,
        };
        eval(&self.ast, std::slice::from_ref(focus), &env).map_err(|e| FhirPathError::Eval {
            expr: self.source.clone(),
            message: e.0,
        })
    }

    /// Invariant semantics: true unless the result is a single `false` (empty = true per FHIR constraint
    /// rules).
    pub fn holds(&self, focus: &Value, resource: &Value) -> Result<bool, FhirPathError> {
        if let Some(answer) = self.native_answer_in(focus, resource) {
            // Debug builds (the tests) check every native answer against the evaluator.
            #[cfg(debug_assertions)]
            native::cross_check(self.source(), answer, self.holds_evaluated(focus, resource));
            return Ok(answer);
        }
        self.holds_evaluated(focus, resource)
    }

    /// [`Expr::holds`] by the evaluator alone (the reference the native forms are tested against).
    pub fn holds_evaluated(&self, focus: &Value, resource: &Value) -> Result<bool, FhirPathError> {
        Ok(invariant_result(&self.evaluate(focus, resource)?))
    }

    /// The native form's answer at `focus` as an invariant verdict (an empty answer holds), when the
    /// expression has a native form and it can tell.
    pub fn native_answer(&self, focus: &Value) -> Option<bool> {
        self.native_answer_in(focus, focus)
    }

    /// [`Expr::native_answer`] with `%resource` another node than the focus.
    pub fn native_answer_in(&self, focus: &Value, resource: &Value) -> Option<bool> {
        let answer = self.native.as_ref()?.answer(&Node::new(focus), resource)?;
        Some(answer != Some(false))
    }

    /// [`Expr::holds`] with an arbitrary item as the focus.
    pub fn holds_item<'a>(
        &self,
        focus: &Item<'a>,
        resource: &'a Value,
    ) -> Result<bool, FhirPathError> {
        Ok(invariant_result(&self.evaluate_item(focus, resource)?))
    }
}

fn invariant_result(items: &[Item<'_>]) -> bool {
    match items {
        [one] => one.as_bool() != Some(false),
        _ => true,
    }
}

/// One member of a FHIRPath collection: a node of the JSON resource, or a value computed by the expression.
#[derive(Debug, Clone)]
pub enum Item<'a> {
    Node(Node<'a>),
    Boolean(bool),
    Integer(i64),
    Decimal(Decimal),
    String(String),
    Date(PartialDateTime),
    DateTime(PartialDateTime),
    Time(PartialTime),
    Quantity(Quantity),
}

impl<'a> Item<'a> {
    /// The boolean value of a `Boolean` item or of a node holding a JSON boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Item::Boolean(b) => Some(*b),
            Item::Node(n) => n.value.and_then(Value::as_bool),
            _ => None,
        }
    }

    /// The text of a `String` item or of a node holding a JSON string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Item::String(s) => Some(s),
            Item::Node(n) => n.value.and_then(Value::as_str),
            _ => None,
        }
    }

    /// The integer value of an `Integer` item or of a node holding an integral JSON number.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Item::Integer(i) => Some(*i),
            Item::Node(n) => n.value.and_then(Value::as_i64),
            _ => None,
        }
    }

    /// The node, if this item is a node of the resource.
    pub fn as_node(&self) -> Option<&Node<'a>> {
        match self {
            Item::Node(n) => Some(n),
            _ => None,
        }
    }
}

/// A reference into the JSON resource. Primitive nodes carry their `_name` companion object (if any).
#[derive(Debug, Clone, Copy)]
pub struct Node<'a> {
    value: Option<&'a Value>,
    ext: Option<&'a Value>,
    type_hint: Option<&'a str>,
}

impl<'a> Node<'a> {
    /// A node for a JSON value (typically a resource or an element object).
    pub fn new(value: &'a Value) -> Self {
        Node {
            value: Some(value),
            ext: None,
            type_hint: None,
        }
    }

    /// A primitive node from a property value and its `_name` companion object (either may be absent).
    pub fn primitive(value: Option<&'a Value>, extension: Option<&'a Value>) -> Self {
        Node {
            value: value.filter(|v| !v.is_null()),
            ext: object_ext(extension),
            type_hint: None,
        }
    }

    /// Declares the node's type as a choice suffix (`Quantity`, `DateTime`, ...) or type name, for
    /// `is`/`as`/`ofType` when the node was not reached through a choice property.
    pub fn with_choice_type(mut self, type_name: &'a str) -> Self {
        self.type_hint = Some(type_name);
        self
    }

    /// The JSON value; `None` for a primitive that only has extensions (`_x` without `x`).
    pub fn value(&self) -> Option<&'a Value> {
        self.value
    }

    /// The `_x` companion object of a primitive (holding `id`/`extension`).
    pub fn primitive_extension(&self) -> Option<&'a Value> {
        self.ext
    }

    /// The type suffix of a choice element (`Quantity` for `valueQuantity`), if known.
    pub fn choice_type(&self) -> Option<&'a str> {
        self.type_hint
    }

    /// The `resourceType` of a resource node.
    pub fn resource_type(&self) -> Option<&'a str> {
        self.value?.as_object()?.get("resourceType")?.as_str()
    }

    /// The object whose properties are this node's children.
    fn container(&self) -> Option<&'a Map<String, Value>> {
        match self.value {
            Some(Value::Object(map)) => Some(map),
            _ => self.ext.and_then(Value::as_object),
        }
    }

    fn same(&self, other: &Node<'_>) -> bool {
        fn same_ref(a: Option<&Value>, b: Option<&Value>) -> bool {
            match (a, b) {
                (Some(a), Some(b)) => std::ptr::eq(a, b),
                (None, None) => true,
                _ => false,
            }
        }
        same_ref(self.value, other.value) && same_ref(self.ext, other.ext)
    }

    fn has_primitive_value(&self) -> bool {
        match self.value {
            Some(Value::String(s)) => !s.trim().is_empty(),
            Some(Value::Bool(_) | Value::Number(_)) => true,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests;
