//! The registry's behaviour, written once and run against every store (see
//! `same_behaviour_in_every_store.rs`). The invoking module provides
//! `async fn tracker(config: RegistryConfig) -> Option<(Tracker<impl Store>, impl Sized)>`
//! (`None` skips the test; the second value is kept alive for the test's duration).

#[allow(unused_macros)] // only same_behaviour_in_every_store.rs invokes it
macro_rules! ppsp_tracker_tests_suite {
    () => {
        use std::net::SocketAddr;

        use ppsp_tracker::{Store, Timestamp};
        use ppsp_wire::tracker::{
            Action, ActionResult, AddressKind, Connect, ErrorCode, NatAbility, PeerMode, PeerNum,
            RequestBody, ResponseOutcome, TrackerRequest, TrackerResponse,
        };
        use rand::SeedableRng;
        use rand::rngs::StdRng;

        use $crate::common::*;

        async fn ask<S: Store>(
            t: &Tracker<S>,
            now: Timestamp,
            from: SocketAddr,
            request: TrackerRequest,
        ) -> TrackerResponse {
            t.handle(now, from, &request, &mut StdRng::seed_from_u64(42))
                .await
        }

        fn error(response: &TrackerResponse) -> Option<ErrorCode> {
            match &response.outcome {
                ResponseOutcome::Failure { code, .. } => Some(*code),
                ResponseOutcome::Success { .. } => None,
            }
        }

        /// Peer IDs listed for the `index`th swarm result.
        fn listed(response: &TrackerResponse, index: usize) -> Vec<String> {
            match &response.outcome {
                ResponseOutcome::Success { swarm_results, .. } => swarm_results[index]
                    .peers
                    .iter()
                    .map(|p| p.peer_id.as_str().to_string())
                    .collect(),
                ResponseOutcome::Failure { code, reason } => panic!("refused: {code} {reason:?}"),
            }
        }

        fn results(response: &TrackerResponse) -> Vec<ActionResult> {
            match &response.outcome {
                ResponseOutcome::Success { swarm_results, .. } => {
                    swarm_results.iter().map(|r| r.result).collect()
                }
                ResponseOutcome::Failure { code, reason } => panic!("refused: {code} {reason:?}"),
            }
        }

        #[tokio::test]
        async fn seeder_joins_two_swarms_and_leeches_of_each_find_it() {
            let Some((t, _guard)) = tracker(RegistryConfig::default()).await else {
                return;
            };
            let seeder = connect(
                "seeder",
                "12345",
                vec![
                    action("1111", Action::Join, PeerMode::Seeder),
                    action("2222", Action::Join, PeerMode::Seeder),
                ],
                None,
            );
            let answer = ask(&t, at(0), source(1), seeder).await;
            assert_eq!(
                results(&answer),
                [ActionResult::Success, ActionResult::Success]
            );
            assert!(
                listed(&answer, 0).is_empty(),
                "a seeder without peer_num gets no list"
            );
            let leech = ask(
                &t,
                at(1),
                source(2),
                join("leech1", "1111", PeerMode::Leech),
            )
            .await;
            assert_eq!(listed(&leech, 0), ["seeder"]);
            let leech = ask(
                &t,
                at(1),
                source(3),
                join("leech2", "2222", PeerMode::Leech),
            )
            .await;
            assert_eq!(listed(&leech, 0), ["seeder"]);
            let counts = t.counts().await.unwrap();
            assert_eq!((counts.swarms, counts.peers), (2, 3));
        }

        #[tokio::test]
        async fn seeder_with_peer_num_gets_a_peer_list() {
            let Some((t, _guard)) = tracker(RegistryConfig::default()).await else {
                return;
            };
            ask(&t, at(0), source(1), join("leech", "1111", PeerMode::Leech)).await;
            let seeder = connect(
                "seeder",
                "1",
                vec![action("1111", Action::Join, PeerMode::Seeder)],
                Some(count(5)),
            );
            assert_eq!(
                listed(&ask(&t, at(0), source(2), seeder).await, 0),
                ["leech"]
            );
        }

        #[tokio::test]
        async fn leech_switching_channel_leaves_the_old_swarm_and_joins_the_new() {
            let Some((t, _guard)) = tracker(RegistryConfig::default()).await else {
                return;
            };
            ask(
                &t,
                at(0),
                source(1),
                join("seeder", "1111", PeerMode::Seeder),
            )
            .await;
            ask(
                &t,
                at(0),
                source(2),
                join("other", "2222", PeerMode::Seeder),
            )
            .await;
            ask(&t, at(0), source(3), join("leech", "1111", PeerMode::Leech)).await;
            let switch = connect(
                "leech",
                "2",
                vec![
                    action("1111", Action::Leave, PeerMode::Leech),
                    action("2222", Action::Join, PeerMode::Leech),
                ],
                Some(count(5)),
            );
            let answer = ask(&t, at(1), source(3), switch).await;
            assert_eq!(
                results(&answer),
                [ActionResult::Success, ActionResult::Success]
            );
            assert_eq!(listed(&answer, 1), ["other"]);
            assert!(listed(&answer, 0).is_empty(), "LEAVE results carry no list");
            let seeder_view = ask(&t, at(2), source(1), find("seeder", "1111", None)).await;
            assert!(listed(&seeder_view, 0).is_empty());
            let other_view = ask(&t, at(2), source(2), find("other", "2222", None)).await;
            assert_eq!(listed(&other_view, 0), ["leech"]);
        }

        #[tokio::test]
        async fn a_leech_cannot_switch_into_a_swarm_it_seeds() {
            // Found by the tracker_registry fuzz target: the peer ended up in one swarm twice.
            let Some((t, _guard)) = tracker(RegistryConfig::default()).await else {
                return;
            };
            let first = connect(
                "p",
                "1",
                vec![
                    action("1111", Action::Join, PeerMode::Leech),
                    action("2222", Action::Join, PeerMode::Seeder),
                ],
                None,
            );
            assert_eq!(error(&ask(&t, at(0), source(1), first).await), None);
            let switch = connect(
                "p",
                "2",
                vec![
                    action("1111", Action::Leave, PeerMode::Leech),
                    action("2222", Action::Join, PeerMode::Leech),
                ],
                None,
            );
            let answer = ask(&t, at(1), source(1), switch).await;
            assert_eq!(error(&answer), Some(ErrorCode::ForbiddenAction));
            ask(&t, at(1), source(2), join("q", "2222", PeerMode::Leech)).await;
            let view = ask(&t, at(2), source(2), find("q", "2222", Some(count(10)))).await;
            assert_eq!(listed(&view, 0), ["p"], "p is still in 2222 once");
            let view = ask(&t, at(2), source(1), find("p", "1111", None)).await;
            assert_eq!(error(&view), None, "the refused switch left p in 1111");
        }

        #[tokio::test]
        async fn swarms_are_listed_largest_first_with_seeders_and_leechers() {
            let Some((t, _guard)) = tracker(RegistryConfig::default()).await else {
                return;
            };
            ask(&t, at(0), source(1), join("s1", "1111", PeerMode::Seeder)).await;
            ask(&t, at(0), source(2), join("s2", "2222", PeerMode::Seeder)).await;
            ask(&t, at(0), source(3), join("l1", "2222", PeerMode::Leech)).await;
            ask(&t, at(0), source(4), join("l2", "2222", PeerMode::Leech)).await;
            let listed = |swarms: Vec<ppsp_tracker::store::SwarmSummary>| {
                swarms
                    .iter()
                    .map(|s| (s.swarm_id.to_string(), s.seeders, s.leechers))
                    .collect::<Vec<_>>()
            };
            let all = t.store().swarms(10).await.unwrap();
            assert_eq!(
                listed(all),
                [("2222".to_string(), 1, 2), ("1111".to_string(), 1, 0)]
            );
            assert_eq!(t.store().swarms(1).await.unwrap().len(), 1);
            assert!(t.store().swarms(0).await.unwrap().is_empty());
            let leave = connect(
                "l1",
                "2",
                vec![action("2222", Action::Leave, PeerMode::Leech)],
                None,
            );
            ask(&t, at(1), source(3), leave).await;
            ask(
                &t,
                at(1),
                source(1),
                connect(
                    "s1",
                    "2",
                    vec![action("1111", Action::Leave, PeerMode::Seeder)],
                    None,
                ),
            )
            .await;
            let all = t.store().swarms(10).await.unwrap();
            assert_eq!(listed(all), [("2222".to_string(), 1, 1)]);
        }

        #[tokio::test]
        async fn invalid_rows_of_the_connect_table_are_forbidden_and_change_nothing() {
            let Some((t, _guard)) = tracker(RegistryConfig::default()).await else {
                return;
            };
            let forbidden = |r: &TrackerResponse| {
                assert_eq!(error(r), Some(ErrorCode::ForbiddenAction), "{r:?}")
            };
            // START: LEAVE, and JOIN + LEAVE, are invalid.
            forbidden(
                &ask(
                    &t,
                    at(0),
                    source(1),
                    connect(
                        "p",
                        "a",
                        vec![action("1111", Action::Leave, PeerMode::Leech)],
                        None,
                    ),
                )
                .await,
            );
            forbidden(
                &ask(
                    &t,
                    at(0),
                    source(1),
                    connect(
                        "p",
                        "b",
                        vec![
                            action("1111", Action::Join, PeerMode::Leech),
                            action("2222", Action::Leave, PeerMode::Leech),
                        ],
                        None,
                    ),
                )
                .await,
            );
            // A leech joins one swarm at a time; a swarm appears once per CONNECT.
            forbidden(
                &ask(
                    &t,
                    at(0),
                    source(1),
                    connect(
                        "p",
                        "c",
                        vec![
                            action("1111", Action::Join, PeerMode::Leech),
                            action("2222", Action::Join, PeerMode::Leech),
                        ],
                        None,
                    ),
                )
                .await,
            );
            forbidden(
                &ask(
                    &t,
                    at(0),
                    source(1),
                    connect(
                        "p",
                        "d",
                        vec![
                            action("1111", Action::Join, PeerMode::Seeder),
                            action("1111", Action::Join, PeerMode::Seeder),
                        ],
                        None,
                    ),
                )
                .await,
            );
            assert_eq!(
                t.counts().await.unwrap().peers,
                0,
                "refused CONNECTs register nobody"
            );
            // TRACKING: SEEDER JOIN, a second LEECH JOIN, LEAVE in the wrong mode or of
            // another swarm are invalid.
            ask(
                &t,
                at(0),
                source(1),
                join("seeder", "1111", PeerMode::Seeder),
            )
            .await;
            forbidden(
                &ask(
                    &t,
                    at(1),
                    source(1),
                    connect(
                        "seeder",
                        "e",
                        vec![action("2222", Action::Join, PeerMode::Seeder)],
                        None,
                    ),
                )
                .await,
            );
            ask(&t, at(0), source(2), join("leech", "1111", PeerMode::Leech)).await;
            forbidden(
                &ask(
                    &t,
                    at(1),
                    source(2),
                    connect(
                        "leech",
                        "f",
                        vec![action("2222", Action::Join, PeerMode::Leech)],
                        None,
                    ),
                )
                .await,
            );
            forbidden(
                &ask(
                    &t,
                    at(1),
                    source(2),
                    connect(
                        "leech",
                        "g",
                        vec![action("1111", Action::Leave, PeerMode::Seeder)],
                        None,
                    ),
                )
                .await,
            );
            forbidden(
                &ask(
                    &t,
                    at(1),
                    source(2),
                    connect(
                        "leech",
                        "h",
                        vec![action("3333", Action::Leave, PeerMode::Leech)],
                        None,
                    ),
                )
                .await,
            );
            let counts = t.counts().await.unwrap();
            assert_eq!(
                (counts.swarms, counts.peers),
                (1, 2),
                "refusals in TRACKING keep the state"
            );
            let still = ask(&t, at(2), source(2), find("leech", "1111", None)).await;
            assert_eq!(listed(&still, 0), ["seeder"]);
        }

        #[tokio::test]
        async fn find_and_stat_report_need_a_registered_peer_in_the_swarm() {
            let Some((t, _guard)) = tracker(RegistryConfig::default()).await else {
                return;
            };
            let answer = ask(&t, at(0), source(1), find("ghost", "1111", None)).await;
            assert_eq!(error(&answer), Some(ErrorCode::ForbiddenAction));
            let answer = ask(&t, at(0), source(1), stat_report("ghost", &[])).await;
            assert_eq!(error(&answer), Some(ErrorCode::ForbiddenAction));
            ask(&t, at(0), source(1), join("p", "1111", PeerMode::Leech)).await;
            let answer = ask(&t, at(0), source(1), find("p", "2222", None)).await;
            assert_eq!(error(&answer), Some(ErrorCode::ForbiddenAction));
        }

        #[tokio::test]
        async fn requester_is_never_listed_and_peer_count_is_respected() {
            let Some((t, _guard)) = tracker(RegistryConfig::default()).await else {
                return;
            };
            for i in 0..30u16 {
                ask(
                    &t,
                    at(0),
                    source(i),
                    join(&format!("p{i}"), "1111", PeerMode::Seeder),
                )
                .await;
            }
            for n in [1u8, 5, 29, 30, 200] {
                let answer = ask(&t, at(1), source(0), find("p0", "1111", Some(count(n)))).await;
                let peers = listed(&answer, 0);
                assert_eq!(peers.len(), usize::from(n).min(29));
                assert!(!peers.contains(&"p0".to_string()));
                let mut unique = peers.clone();
                unique.sort();
                unique.dedup();
                assert_eq!(unique.len(), peers.len(), "no peer twice");
            }
            let default = ask(&t, at(1), source(0), find("p0", "1111", None)).await;
            assert_eq!(
                listed(&default, 0).len(),
                20,
                "default_peer_count without peer_num"
            );
        }

        #[tokio::test]
        async fn peers_like_the_requester_come_first() {
            let Some((t, _guard)) = tracker(RegistryConfig::default()).await else {
                return;
            };
            let profile = |upload: u64, nat: NatAbility| PeerNum {
                upload_bandwidth: Some(upload),
                ability_nat: Some(nat),
                ..count(1)
            };
            for i in 0..12u16 {
                let request = connect(
                    &format!("fast{i}"),
                    "1",
                    vec![action("1111", Action::Join, PeerMode::Seeder)],
                    Some(profile(500_000, NatAbility::NoNat)),
                );
                ask(&t, at(0), source(i), request).await;
            }
            for i in 0..3u16 {
                let request = connect(
                    &format!("adsl{i}"),
                    "1",
                    vec![action("1111", Action::Join, PeerMode::Seeder)],
                    Some(profile(700, NatAbility::Stun)),
                );
                ask(&t, at(0), source(100 + i), request).await;
            }
            let request = connect(
                "me",
                "1",
                vec![action("1111", Action::Join, PeerMode::Leech)],
                Some(PeerNum {
                    peer_count: 3,
                    ..profile(600, NatAbility::Stun)
                }),
            );
            let peers = listed(&ask(&t, at(1), source(200), request).await, 0);
            assert_eq!(peers.len(), 3);
            assert!(peers.iter().all(|p| p.starts_with("adsl")), "{peers:?}");
            let fast = ask(&t, at(1), source(0), find("fast0", "1111", Some(count(3)))).await;
            assert!(listed(&fast, 0).iter().all(|p| p.starts_with("fast")));
        }

        #[tokio::test]
        async fn every_answer_carries_the_reflexive_address_and_nat_peers_are_listed_by_it() {
            let Some((t, _guard)) = tracker(RegistryConfig::default()).await else {
                return;
            };
            let public: SocketAddr = "198.51.100.1:4242".parse().unwrap();
            let mut request = join("natted", "1111", PeerMode::Seeder);
            if let RequestBody::Connect(Connect { peer_addrs, .. }) = &mut request.body {
                peer_addrs.push(host_addr("192.168.1.10", 6778));
            }
            let answer = ask(&t, at(0), public, request).await;
            let ResponseOutcome::Success {
                peer_addr: Some(reflexive),
                ..
            } = &answer.outcome
            else {
                panic!("{answer:?}")
            };
            assert_eq!(reflexive.socket_addr(), public);
            assert_eq!(reflexive.kind, AddressKind::Reflexive);
            let answer = ask(&t, at(0), source(2), join("leech", "1111", PeerMode::Leech)).await;
            let ResponseOutcome::Success { swarm_results, .. } = &answer.outcome else {
                panic!()
            };
            let natted = &swarm_results[0].peers[0].peer_addr;
            assert_eq!(natted.socket_addr(), "198.51.100.1:6778".parse().unwrap());
            assert_eq!(natted.kind, AddressKind::Reflexive);
        }

        #[tokio::test]
        async fn peers_that_stop_reporting_expire_on_the_track_timer() {
            let Some((t, _guard)) = tracker(RegistryConfig::default()).await else {
                return;
            };
            assert_eq!(t.config().track_timer.as_secs(), 120);
            ask(
                &t,
                at(0),
                source(1),
                join("quiet", "1111", PeerMode::Seeder),
            )
            .await;
            ask(
                &t,
                at(0),
                source(2),
                join("chatty", "1111", PeerMode::Seeder),
            )
            .await;
            let kept = ask(&t, at(100), source(2), stat_report("chatty", &["1111"])).await;
            assert_eq!(results(&kept), [ActionResult::Success]);
            let answer = ask(
                &t,
                at(130),
                source(3),
                join("late", "1111", PeerMode::Leech),
            )
            .await;
            assert_eq!(
                listed(&answer, 0),
                ["chatty"],
                "only peers heard from within the timer"
            );
            let answer = ask(&t, at(130), source(1), find("quiet", "1111", None)).await;
            assert_eq!(
                error(&answer),
                Some(ErrorCode::ForbiddenAction),
                "expired = unregistered"
            );
            assert_eq!(t.sweep(at(130)).await.unwrap(), 1);
            assert_eq!(t.counts().await.unwrap().peers, 2);
            assert_eq!(t.sweep(at(260)).await.unwrap(), 2);
            let counts = t.counts().await.unwrap();
            assert_eq!((counts.swarms, counts.peers), (0, 0));
            // An expired peer starts over with a fresh CONNECT.
            let again = ask(
                &t,
                at(300),
                source(1),
                join("quiet", "1111", PeerMode::Seeder),
            )
            .await;
            assert_eq!(error(&again), None);
        }

        #[tokio::test]
        async fn a_peer_exactly_one_track_timer_old_is_neither_registered_nor_listed() {
            let Some((t, _guard)) = tracker(RegistryConfig::default()).await else {
                return;
            };
            ask(&t, at(0), source(1), join("old", "1111", PeerMode::Seeder)).await;
            // One millisecond short of the timer: still listed.
            let almost = at(120).saturating_sub(std::time::Duration::from_millis(1));
            let answer = ask(&t, almost, source(2), join("a", "1111", PeerMode::Leech)).await;
            assert_eq!(listed(&answer, 0), ["old"]);
            // Exactly at the timer: "old" is unregistered for itself, so not listed to others.
            let answer = ask(&t, at(120), source(3), join("b", "1111", PeerMode::Leech)).await;
            assert_eq!(listed(&answer, 0), ["a"]);
            let own = ask(&t, at(120), source(1), find("old", "1111", None)).await;
            assert_eq!(error(&own), Some(ErrorCode::ForbiddenAction));
        }

        #[tokio::test]
        async fn stat_report_answers_per_swarm_and_an_empty_one_is_a_keep_alive() {
            let Some((t, _guard)) = tracker(RegistryConfig::default()).await else {
                return;
            };
            ask(&t, at(0), source(1), join("p", "1111", PeerMode::Leech)).await;
            let answer = ask(&t, at(1), source(1), stat_report("p", &["1111", "2222"])).await;
            assert_eq!(
                results(&answer),
                [ActionResult::Success, ActionResult::Failure]
            );
            let keep_alive = ask(&t, at(110), source(1), stat_report("p", &[])).await;
            assert_eq!(results(&keep_alive), []);
            let answer = ask(&t, at(200), source(1), find("p", "1111", None)).await;
            assert_eq!(error(&answer), None, "the keep-alive reset the track timer");
        }

        #[tokio::test]
        async fn leaving_the_last_swarm_deregisters_the_peer() {
            let Some((t, _guard)) = tracker(RegistryConfig::default()).await else {
                return;
            };
            ask(&t, at(0), source(1), join("p", "1111", PeerMode::Leech)).await;
            let leave = connect(
                "p",
                "bye",
                vec![action("1111", Action::Leave, PeerMode::Leech)],
                None,
            );
            assert_eq!(
                results(&ask(&t, at(1), source(1), leave).await),
                [ActionResult::Success]
            );
            let counts = t.counts().await.unwrap();
            assert_eq!((counts.swarms, counts.peers), (0, 0));
            let answer = ask(&t, at(2), source(1), stat_report("p", &[])).await;
            assert_eq!(error(&answer), Some(ErrorCode::ForbiddenAction));
        }

        #[tokio::test]
        async fn a_retried_connect_with_the_same_transaction_id_is_answered_again() {
            let Some((t, _guard)) = tracker(RegistryConfig::default()).await else {
                return;
            };
            ask(
                &t,
                at(0),
                source(1),
                join("seeder", "1111", PeerMode::Seeder),
            )
            .await;
            let first = ask(&t, at(1), source(2), join("leech", "1111", PeerMode::Leech)).await;
            let retry = ask(&t, at(2), source(2), join("leech", "1111", PeerMode::Leech)).await;
            assert_eq!(error(&retry), None);
            assert_eq!(listed(&retry, 0), listed(&first, 0));
            let mut fresh = join("leech", "1111", PeerMode::Leech);
            fresh.transaction_id = tid("other");
            assert_eq!(
                error(&ask(&t, at(3), source(2), fresh).await),
                Some(ErrorCode::ForbiddenAction)
            );
        }

        #[tokio::test]
        async fn bounds_answer_service_unavailable_and_write_nothing() {
            let config = RegistryConfig {
                max_peers_per_swarm: 2,
                max_swarms: 2,
                max_peers: 3,
                max_swarms_per_peer: 2,
                ..RegistryConfig::default()
            };
            let Some((t, _guard)) = tracker(config).await else {
                return;
            };
            let unavailable = |r: &TrackerResponse| {
                assert_eq!(error(r), Some(ErrorCode::ServiceUnavailable), "{r:?}")
            };
            ask(&t, at(0), source(1), join("a", "1111", PeerMode::Seeder)).await;
            ask(&t, at(0), source(2), join("b", "1111", PeerMode::Seeder)).await;
            unavailable(&ask(&t, at(0), source(3), join("c", "1111", PeerMode::Seeder)).await);
            let three = connect(
                "c",
                "3",
                vec![
                    action("2222", Action::Join, PeerMode::Seeder),
                    action("3333", Action::Join, PeerMode::Seeder),
                    action("4444", Action::Join, PeerMode::Seeder),
                ],
                None,
            );
            unavailable(&ask(&t, at(0), source(3), three).await);
            let two_new = connect(
                "c",
                "4",
                vec![
                    action("2222", Action::Join, PeerMode::Seeder),
                    action("3333", Action::Join, PeerMode::Seeder),
                ],
                None,
            );
            unavailable(&ask(&t, at(0), source(3), two_new).await);
            ask(&t, at(0), source(3), join("c", "2222", PeerMode::Seeder)).await;
            unavailable(&ask(&t, at(0), source(4), join("d", "2222", PeerMode::Seeder)).await);
            let counts = t.counts().await.unwrap();
            assert_eq!((counts.swarms, counts.peers), (2, 3));
        }

        #[tokio::test]
        async fn stat_statistics_do_not_disturb_peer_lists() {
            let Some((t, _guard)) = tracker(RegistryConfig::default()).await else {
                return;
            };
            ask(&t, at(0), source(1), join("a", "1111", PeerMode::Seeder)).await;
            ask(&t, at(0), source(2), join("b", "1111", PeerMode::Leech)).await;
            ask(&t, at(1), source(1), stat_report("a", &["1111"])).await;
            let answer = ask(&t, at(2), source(2), find("b", "1111", Some(count(5)))).await;
            assert_eq!(listed(&answer, 0), ["a"]);
        }
    };
}
