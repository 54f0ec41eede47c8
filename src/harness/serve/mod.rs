//! `raft-kv serve`: the stored runs in a browser, like `maelstrom serve`. A small
//! read-only web server (tiny_http: synchronous, four small dependencies) over the
//! store directory: a table of runs, and per run its summary, checker results
//! with their witnesses, plots, timeline pages, Lamport diagram, node logs and
//! every file to download. No path leaves the store.
//!
//! One job per file: this file the server loop, [`routes`] URL to reply (pure,
//! tested without a socket), [`paths`] safe paths inside the store, [`runs`] the
//! runs found in the store, [`pages`] the HTML.

pub mod pages;
pub mod paths;
pub mod routes;
pub mod runs;

use std::path::PathBuf;
use std::process::ExitCode;

/// `raft-kv serve` flags.
#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// The store directory `raft-kv test` wrote.
    #[arg(long, default_value = "store")]
    pub store: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on (0: any free port, printed at start).
    #[arg(long, short = 'p', default_value_t = 8080)]
    pub port: u16,
}

/// Runs the server until killed.
pub fn serve_main(args: &ServeArgs) -> ExitCode {
    let server = match tiny_http::Server::http((args.host.as_str(), args.port)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "raft-kv serve: cannot listen on {}:{}: {e}",
                args.host, args.port
            );
            return ExitCode::from(2);
        }
    };
    let addr = server
        .server_addr()
        .to_ip()
        .map_or_else(|| format!("{}:{}", args.host, args.port), |a| a.to_string());
    println!("raft-kv serve: {} on http://{addr}/", args.store.display());
    serve(&server, &args.store);
    ExitCode::SUCCESS
}

/// Answers requests on `server` from `store`, forever.
pub fn serve(server: &tiny_http::Server, store: &std::path::Path) {
    for request in server.incoming_requests() {
        let get = *request.method() == tiny_http::Method::Get
            || *request.method() == tiny_http::Method::Head;
        let reply = routes::handle(store, get, request.url());
        let mut response =
            tiny_http::Response::from_data(reply.body).with_status_code(reply.status);
        for (name, value) in reply.headers {
            if let Ok(h) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
                response.add_header(h);
            }
        }
        // A client that went away is no concern of ours.
        let _ = request.respond(response);
    }
}
