//! The fixed words of RFC 7846 messages (request types, swarm actions, peer modes, address
//! kinds, NAT abilities, results) and the PPSTP error code registry (RFC 7846 section 3.3 and
//! 3.4, IANA "PPSTP Error Code Registry").
//!
//! Words are case-sensitive, as RFC 7846 section 3 requires of method names; a word that is not
//! one of the defined ones is rejected with a message listing the accepted words.

use crate::words::wire_words;

wire_words! {
    /// The request types of the IANA "PPSTP Request Type Registry" (RFC 7846 section 3.3).
    RequestType {
        /// Register the peer and join or leave swarms.
        Connect = "CONNECT",
        /// Ask for (more) peers of one swarm.
        Find = "FIND",
        /// Report statistics; with none, a keep-alive.
        StatReport = "STAT_REPORT",
    }
}

wire_words! {
    /// What a CONNECT asks for one swarm (RFC 7846 section 3.2.5).
    Action {
        /// Enter the swarm.
        Join = "JOIN",
        /// Leave the swarm.
        Leave = "LEAVE",
    }
}

wire_words! {
    /// The role a peer takes in a swarm (RFC 7846 section 3.2.5).
    PeerMode {
        /// Holds the whole content and only uploads.
        Seeder = "SEEDER",
        /// Downloads (and uploads what it has); in at most one swarm at a time.
        Leech = "LEECH",
    }
}

wire_words! {
    /// The kind of a peer address, after ICE candidate types (RFC 7846 section 3.2.4, RFC 5245).
    AddressKind {
        /// An address of one of the peer's own interfaces.
        Host = "HOST",
        /// The address a NAT maps the peer to, as seen from outside.
        Reflexive = "REFLEXIVE",
        /// A relay (TURN) address.
        Proxy = "PROXY",
    }
}

wire_words! {
    /// The access link behind a peer address (RFC 7846 section 3.2.4).
    Connection {
        /// A wireless link.
        Wireless = "wireless",
        /// A wired link.
        Wired = "wired",
    }
}

wire_words! {
    /// How the peer gets through NAT (RFC 7846 section 3.2.2, `ability_nat`).
    NatAbility {
        /// Not behind NAT.
        NoNat = "NO_NAT",
        /// Uses STUN.
        Stun = "STUN",
        /// Uses TURN.
        Turn = "TURN",
    }
}

wire_words! {
    /// The outcome of one swarm action (RFC 7846 section 3.2.7, `result`).
    ///
    /// JSON writes it as the number [`ActionResult::code`]; the XML form writes the word.
    ActionResult {
        /// The action succeeded (JSON 0).
        Success = "SUCCESSFUL",
        /// The action failed (JSON 1).
        Failure = "FAILED",
    }
}

impl ActionResult {
    /// The JSON number: 0 for success, 1 for failure.
    pub fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::Failure => 1,
        }
    }

    /// The value for a JSON number, if it is 0 or 1.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Self::Success),
            1 => Some(Self::Failure),
            _ => None,
        }
    }
}

wire_words! {
    /// Why a request failed: the IANA "PPSTP Error Code Registry" (RFC 7846 section 3.4.1).
    ///
    /// JSON writes [`ErrorCode::code`] as `error_code`; the XML form writes the word in
    /// `<Status>`. Code 0 ("No Error") is the successful response, not an `ErrorCode`.
    ErrorCode {
        /// 1: the message is malformed.
        BadRequest = "BAD_REQUEST",
        /// 2: the version is not supported.
        UnsupportedVersion = "UNSUPPORTED_VERSION",
        /// 3: the request is not allowed in the peer's state (e.g. FIND before CONNECT).
        ForbiddenAction = "FORBIDDEN_ACTION",
        /// 4: the tracker met an unexpected condition.
        InternalServerError = "INTERNAL_SERVER_ERROR",
        /// 5: the tracker is overloaded.
        ServiceUnavailable = "SERVICE_UNAVAILABLE",
        /// 6: authentication is needed, or the peer ID is not valid.
        AuthenticationRequired = "AUTHENTICATION_REQUIRED",
    }
}

impl ErrorCode {
    /// The registry number, 1..=6.
    pub fn code(self) -> u8 {
        match self {
            Self::BadRequest => 1,
            Self::UnsupportedVersion => 2,
            Self::ForbiddenAction => 3,
            Self::InternalServerError => 4,
            Self::ServiceUnavailable => 5,
            Self::AuthenticationRequired => 6,
        }
    }

    /// The error for a registry number; `None` for 0 (no error) and unassigned numbers.
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.iter().copied().find(|e| e.code() == code)
    }

    /// The registry's description, e.g. "Unsupported Version Number".
    pub fn description(self) -> &'static str {
        match self {
            Self::BadRequest => "Bad Request",
            Self::UnsupportedVersion => "Unsupported Version Number",
            Self::ForbiddenAction => "Forbidden Action",
            Self::InternalServerError => "Internal Server Error",
            Self::ServiceUnavailable => "Service Unavailable",
            Self::AuthenticationRequired => "Authentication Required",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_and_unknown_words_are_named() {
        for mode in PeerMode::ALL {
            assert_eq!(mode.as_str().parse::<PeerMode>(), Ok(*mode));
        }
        assert_eq!(
            "LEACH".parse::<PeerMode>(),
            Err("\"LEACH\" is not one of SEEDER, LEECH".to_string())
        );
        assert!(
            "connect".parse::<RequestType>().is_err(),
            "words are case-sensitive"
        );
    }

    #[test]
    fn every_error_code_maps_both_ways() {
        let codes: Vec<u8> = ErrorCode::ALL.iter().map(|e| e.code()).collect();
        assert_eq!(codes, [1, 2, 3, 4, 5, 6]);
        for error in ErrorCode::ALL {
            assert_eq!(ErrorCode::from_code(error.code()), Some(*error));
            assert_eq!(error.as_str().parse::<ErrorCode>(), Ok(*error));
            assert!(!error.description().is_empty());
        }
        assert_eq!(ErrorCode::from_code(0), None);
        assert_eq!(ErrorCode::from_code(7), None);
        assert_eq!(
            ErrorCode::UnsupportedVersion.description(),
            "Unsupported Version Number"
        );
    }

    #[test]
    fn action_results_are_zero_and_one() {
        assert_eq!(ActionResult::Success.code(), 0);
        assert_eq!(ActionResult::from_code(1), Some(ActionResult::Failure));
        assert_eq!(ActionResult::from_code(2), None);
    }
}
