//! `paint-app [ADDR:PORT]`: serves the app (default on 127.0.0.1:3000) on the device
//! `Backend::Auto` picks, with the VGG-16 weights `$NST_VGG16_ONNX` names or the cache
//! holds (`nst` fetches them there on its first run).

use std::error::Error;
use std::net::SocketAddr;

use nst::{Backend, WeightsSource};
use nst_serve::{Access, Page};

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let address: SocketAddr = match std::env::args().nth(1) {
        Some(address) => address.parse()?,
        None => ([127, 0, 0, 1], 3000).into(),
    };
    let weights = std::env::var_os("NST_VGG16_ONNX").map_or(WeightsSource::Cache, |path| {
        WeightsSource::Path(path.into())
    });
    // The app checks who signs in; the page checks that requests come from its own pages.
    let page = Page::builder(Backend::Auto.open()?, weights)
        .access(Access::SameOrigin)
        .build()?;
    let listener = tokio::net::TcpListener::bind(address).await?;
    println!(
        "paint-app: sign in at http://{}/login",
        listener.local_addr()?
    );
    axum::serve(listener, paint_app::app(&page)).await?;
    Ok(())
}
