//! `ppsp play URI`: serve a swarm's content to a media player (mpv, VLC, ffplay, ffmpeg) at
//! `http://127.0.0.1:PORT/stream`, printed on stdout, until Ctrl-C or SIGTERM.
//!
//! On-demand content is downloaded in the background into `-o FILE` (a file in the temporary
//! directory otherwise, resumable like `ppsp get`), and served with byte ranges as soon as the
//! chunks covering them are verified; a request for chunks not there yet moves the engine's
//! playhead to them, so what the player waits for is fetched first. Live content is served
//! as an endless body starting at the node's join point, near the live edge. `/metrics`
//! gives the node's counters to Prometheus.

mod http;
mod live;
mod range;
mod source;

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, Result, bail};
use clap::Args;
use hyper::header::HeaderValue;
use ppsp_core::engine::LiveSettings;
use ppsp_core::swarm::{SwarmMetadata, SwarmUri};
use ppsp_node::node::{Node, NodeEvent, NodeEvents, NodeHandle, SwarmStorage};
use ppsp_node::storage::{Download, DownloadFile, SharedDownload};
use ppsp_wire::tracker::PeerMode;

use crate::config::{NodeOptions, Settings};
use crate::node_run::{
    check_tracker_url, interrupted, join_trackers, leave_trackers, parse_addr, runtime,
};
use http::{Content, State};
use live::LiveSource;
use source::Source;

/// Arguments of `ppsp play`.
#[derive(Debug, Args)]
pub(crate) struct PlayArgs {
    /// Swarm URI (ppsp://...), as `ppsp seed` prints it.
    swarm: String,
    /// HTTP address the player connects to; the URL is printed [default: 127.0.0.1, any
    /// free port].
    #[arg(long, env = "PPSP_PLAYER_LISTEN")]
    listen: Option<String>,
    /// UDP address of the node (others download from us there too) [default: any free port].
    #[arg(long, env = "PPSP_LISTEN")]
    udp_listen: Option<String>,
    /// Where to keep the content (resumable); a file in the temporary directory otherwise.
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
    /// A peer to download from (IP:PORT); repeatable, added to the URI's.
    #[arg(long)]
    peer: Vec<String>,
    /// A tracker to find peers at (http:// or https:// URL); repeatable, added to the URI's.
    #[arg(long, env = "PPSP_TRACKER", value_delimiter = ',')]
    tracker: Vec<String>,
    /// Content-Type of the stream [default: from -o's extension, else video/mp2t].
    #[arg(long)]
    content_type: Option<String>,
    #[command(flatten)]
    node: NodeOptions,
}

/// What the command line says, checked.
struct Plan {
    metadata: SwarmMetadata,
    peers: Vec<SocketAddr>,
    trackers: Vec<String>,
    http: SocketAddr,
    udp: SocketAddr,
    output: PathBuf,
    content_type: HeaderValue,
    settings: Settings,
}

pub(crate) fn run(args: &PlayArgs) -> Result<()> {
    let plan = plan(args)?;
    // Bound before anything else, so that a port in use is reported at once.
    let http = std::net::TcpListener::bind(plan.http)
        .with_context(|| format!("cannot listen on {} (HTTP)", plan.http))?;
    http.set_nonblocking(true)
        .context("make the HTTP socket non-blocking")?;
    let download = if plan.metadata.is_live() {
        None
    } else {
        Some(
            DownloadFile::open(&plan.output, &plan.metadata)
                .with_context(|| format!("cannot download into {}", plan.output.display()))?,
        )
    };
    let runtime = runtime()?;
    runtime.block_on(play(plan, http, download))
}

fn plan(args: &PlayArgs) -> Result<Plan> {
    let settings = args.node.load()?;
    let uri: SwarmUri = args.swarm.parse().context("bad swarm URI")?;
    if uri.metadata.is_live() && args.output.is_some() {
        bail!("-o: a live stream is played, not stored (`ppsp get URI -o FILE` records one)");
    }
    let mut peers = uri.peers;
    for peer in &args.peer {
        peers.push(parse_addr("--peer", peer)?);
    }
    let mut trackers = uri.trackers;
    for url in settings.trackers(&args.tracker) {
        check_tracker_url(&url)?;
        trackers.push(url);
    }
    if peers.is_empty() && trackers.is_empty() {
        bail!(
            "no way to find peers: give --peer IP:PORT or --tracker URL, or a URI with peer= or tr="
        );
    }
    let output = match &args.output {
        Some(path) => path.clone(),
        None => {
            let id = uri.metadata.swarm_id.to_string();
            let short: String = id.chars().take(16).collect();
            std::env::temp_dir().join(format!("ppsp-play-{short}"))
        }
    };
    let content_type = match &args.content_type {
        Some(text) => HeaderValue::from_str(text)
            .map_err(|_| anyhow::anyhow!("--content-type: not a header value: {text:?}"))?,
        None => HeaderValue::from_static(content_type_of(args.output.as_deref())),
    };
    let http = match &args.listen {
        Some(text) => parse_addr("--listen", text)?,
        None => settings
            .node
            .player_listen
            .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 0))),
    };
    let udp = match &args.udp_listen {
        Some(text) => parse_addr("--udp-listen", text)?,
        None => settings
            .node
            .listen
            .unwrap_or(SocketAddr::from(([0, 0, 0, 0], 0))),
    };
    Ok(Plan {
        metadata: uri.metadata,
        peers,
        trackers,
        http,
        udp,
        output,
        content_type,
        settings,
    })
}

/// The media type a player expects for a file name; MPEG-TS when it says nothing.
fn content_type_of(path: Option<&Path>) -> &'static str {
    let extension = path
        .and_then(Path::extension)
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("mp4" | "m4v") => "video/mp4",
        Some("mkv") => "video/x-matroska",
        Some("webm") => "video/webm",
        Some("ogg" | "ogv") => "video/ogg",
        Some("mp3") => "audio/mpeg",
        Some("m4a") => "audio/mp4",
        _ => "video/mp2t",
    }
}

async fn play(plan: Plan, http: std::net::TcpListener, download: Option<Download>) -> Result<()> {
    let swarm = plan.metadata.swarm_id.clone();
    let chunk_size = plan.metadata.fixed_chunk_size().unwrap_or(1024);
    let (node, events) = Node::spawn(plan.settings.node_config(plan.udp, chunk_size))?;
    let content = match download {
        None => {
            node.add_swarm(SwarmStorage::LiveReceiver {
                metadata: plan.metadata.clone(),
                settings: LiveSettings::default(),
            })
            .await?;
            Content::Live(LiveSource::new(node.clone(), swarm.clone()))
        }
        Some(Download::Partial(download)) => {
            let download = SharedDownload::new(download);
            node.add_swarm(SwarmStorage::Download {
                metadata: plan.metadata.clone(),
                download: download.clone(),
            })
            .await?;
            Content::OnDemand(Source::download(
                node.clone(),
                swarm.clone(),
                chunk_size,
                download,
            ))
        }
        Some(Download::Complete(seed)) => {
            let file = std::fs::File::open(seed.path())
                .with_context(|| format!("cannot read {}", seed.path().display()))?;
            node.add_swarm(SwarmStorage::seed(seed)).await?;
            Content::OnDemand(Source::file(node.clone(), swarm.clone(), chunk_size, file)?)
        }
    };
    for peer in &plan.peers {
        node.connect(swarm.clone(), *peer)
            .await
            .with_context(|| format!("cannot connect to {peer}"))?;
    }
    let trackers = match join_trackers(&node, &swarm, &plan.trackers, PeerMode::Leech).await {
        Ok(trackers) => trackers,
        Err(error) => {
            node.shutdown().await;
            return Err(error);
        }
    };
    let listener = tokio::net::TcpListener::from_std(http).context("serve HTTP on the runtime")?;
    let url = format!("http://{}/stream", listener.local_addr()?);
    let state = Arc::new(State {
        content,
        content_type: plan.content_type,
        node: node.clone(),
    });
    let result = serve_until_interrupted(&node, events, listener, state, &url, &plan.output).await;
    leave_trackers(trackers).await;
    node.shutdown().await;
    eprintln!("ppsp play: stopped");
    result
}

async fn serve_until_interrupted(
    node: &NodeHandle,
    mut events: NodeEvents,
    listener: tokio::net::TcpListener,
    state: Arc<State>,
    url: &str,
    output: &Path,
) -> Result<()> {
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{url}")
        .and_then(|()| stdout.flush())
        .context("write the stream URL")?;
    let kept = match &state.content {
        Content::OnDemand(_) => format!("content kept in {}", output.display()),
        Content::Live(_) => "live, from near the edge".to_string(),
    };
    eprintln!(
        "ppsp play: serving {url} ({kept}, node on UDP {})",
        node.local_addr()
    );
    let server = tokio::spawn(http::serve(listener, state));
    let signal = interrupted();
    tokio::pin!(signal);
    let result = loop {
        tokio::select! {
            result = &mut signal => break result,
            event = events.recv() => match event {
                Some(NodeEvent::DownloadComplete { path, .. }) => {
                    eprintln!("ppsp play: download complete: {}", path.display());
                }
                Some(NodeEvent::StorageFailed { error, .. }) => {
                    break Err(anyhow::anyhow!("storage failed: {error}"));
                }
                Some(_) => {}
                None => break Err(anyhow::anyhow!("the node stopped unexpectedly")),
            },
        }
    };
    server.abort();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_content_type_follows_the_output_extension() {
        assert_eq!(content_type_of(None), "video/mp2t");
        assert_eq!(content_type_of(Some(Path::new("a/film.MP4"))), "video/mp4");
        assert_eq!(content_type_of(Some(Path::new("clip.ts"))), "video/mp2t");
        assert_eq!(content_type_of(Some(Path::new("noext"))), "video/mp2t");
    }
}
