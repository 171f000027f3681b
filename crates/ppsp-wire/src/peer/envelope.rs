//! The envelope words of the XML peer protocol: methods and statuses (PEER-PROTOCOL-XML.md §1).

use crate::words::wire_words;

wire_words! {
    /// A method of the peer protocol.
    Method {
        /// Ask for peers in a swarm.
        Find = "FIND",
        /// Ask for peers holding a given chunk.
        FindChunk = "FIND_CHUNK",
        /// Ask for (pull) or report (push) chunk availability.
        ChunkAvailability = "CHUNK_AVAILABILITY",
        /// Ask for a peer's properties.
        PropertyQuery = "PROPERTY_QUERY",
        /// Agree on a transport for data.
        TransportNegotiation = "TRANSPORT_NEGOTIATION",
        /// "I will not upload to you until I send UNCHOKE."
        Choke = "CHOKE",
        /// "You may ask me for data again."
        Unchoke = "UNCHOKE",
    }
}

wire_words! {
    /// The outcome of a request.
    Status {
        /// Done; the method's payload follows.
        Successful = "SUCCESSFUL",
        /// Malformed XML, or a missing or invalid element (a `<Reason>` says which).
        BadRequest = "BAD_REQUEST",
        /// The `version` is not one this peer speaks.
        UnsupportedVersion = "UNSUPPORTED_VERSION",
        /// The responder is not in that swarm.
        SwarmNotFound = "SWARM_NOT_FOUND",
        /// FIND_CHUNK: nobody known holds that chunk.
        ChunkNotFound = "CHUNK_NOT_FOUND",
        /// TRANSPORT_NEGOTIATION found nothing both sides speak.
        NoCommonTransport = "NO_COMMON_TRANSPORT",
        /// The body is over the responder's limit.
        PayloadTooLarge = "PAYLOAD_TOO_LARGE",
        /// The responder is overloaded and will not serve the requester until it sends UNCHOKE.
        Choked = "CHOKED",
        /// Identity check failed.
        Unauthorized = "UNAUTHORIZED",
    }
}

impl Status {
    /// The HTTP status code that carries this status (PEER-PROTOCOL-XML.md §1).
    pub fn http_status(self) -> u16 {
        match self {
            Self::Successful => 200,
            Self::BadRequest | Self::UnsupportedVersion => 400,
            Self::Unauthorized => 401,
            Self::SwarmNotFound | Self::ChunkNotFound => 404,
            Self::NoCommonTransport => 409,
            Self::PayloadTooLarge => 413,
            Self::Choked => 503,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_and_unknown_words_are_named() {
        for method in Method::ALL {
            assert_eq!(method.as_str().parse::<Method>(), Ok(*method));
        }
        for status in Status::ALL {
            assert_eq!(status.as_str().parse::<Status>(), Ok(*status));
        }
        assert!("find".parse::<Method>().unwrap_err().contains("\"find\""));
    }

    #[test]
    fn statuses_map_to_the_profile_http_codes() {
        let codes: Vec<u16> = Status::ALL.iter().map(|s| s.http_status()).collect();
        assert_eq!(codes, [200, 400, 400, 404, 404, 409, 413, 503, 401]);
    }
}
