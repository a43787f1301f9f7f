//! The server's routes: the page, and the JSON API it uses (see the page's scripts).

use std::io::Cursor;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use nst::recipe::Recipe;
use nst::transfer::Preset;
use serde_json::{Value, json};

use super::api_error::ApiError;
use super::events::events;
use super::options::options_of;
use super::work::{JobRequest, Work};
use super::{Server, access, busy, page};

/// Every route, behind the access check.
pub fn router(server: Arc<Server>) -> Router {
    let mut router = Router::new();
    if server.page_files {
        router = router.route("/", get(page::index));
        for (name, kind, text) in page::FILES {
            let file = move || async move { page::file(kind, text) };
            router = router.route(&format!("/{name}"), get(file));
        }
    }
    router
        .route("/api/info", get(info))
        .route("/api/default/content.png", get(default_content))
        .route("/api/default/style.jpg", get(default_style))
        .route("/api/images", post(upload))
        .route("/api/recipe", post(recipe))
        .route("/api/jobs", post(submit))
        .route("/api/jobs/{id}/events", get(follow))
        .route("/api/jobs/{id}/stop", post(stop))
        .route("/api/jobs/{id}/result.png", get(result))
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "no such page") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "this address does not take that method",
            )
        })
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&server),
            busy::limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&server),
            access::check,
        ))
        .with_state(server)
}

type Answer<T> = Result<T, ApiError>;

/// `GET /api/info`: the server's device, limits and the presets' options.
async fn info(State(server): State<Arc<Server>>) -> Json<Value> {
    let presets: serde_json::Map<String, Value> = Preset::ALL
        .into_iter()
        .map(|preset| {
            (
                preset.name().to_owned(),
                json!(options_of(&preset.config())),
            )
        })
        .collect();
    Json(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "device": server.device,
        "jobs": server.jobs.limit(),
        "max_upload_mib": server.max_upload_bytes >> 20,
        "max_image_mib": server.max_image_bytes >> 20,
        "presets": presets,
    }))
}

async fn default_content() -> Response {
    image_answer(
        "image/png",
        Bytes::from_static(nst::assets::CONTENT_PNG),
        None,
    )
}

async fn default_style() -> Response {
    image_answer(
        "image/jpeg",
        Bytes::from_static(nst::assets::STYLE_JPEG),
        None,
    )
}

/// `POST /api/images`: checks an image and keeps it; answers its id and size.
async fn upload(State(server): State<Arc<Server>>, body: Body) -> Answer<Json<Value>> {
    let received = server.bodies.read(body, server.max_upload_bytes).await?;
    let decoding = Arc::clone(&server);
    // The body's share of the memory budget is held until it is decoded.
    let uploaded = blocking(&server, move || decoding.uploads.add(&received.bytes)).await?;
    Ok(Json(json!(uploaded)))
}

/// `POST /api/recipe`: the options of the recipe a PNG carries.
async fn recipe(State(server): State<Arc<Server>>, body: Body) -> Answer<Json<Value>> {
    let received = server.bodies.read(body, server.max_upload_bytes).await?;
    let name = std::path::Path::new("upload.png");
    let recipe = blocking(&server, move || {
        Ok(Recipe::from_png(Cursor::new(&received.bytes), name)?)
    })
    .await?;
    Ok(Json(json!({
        "options": options_of(&recipe.config),
        "styles": recipe.styles.len(),
        "masks": !recipe.style_masks.is_empty(),
        "init_image": recipe.init_image.is_some(),
    })))
}

/// `POST /api/jobs`: checks a run and queues it; answers its id.
async fn submit(State(server): State<Arc<Server>>, body: Body) -> Answer<Response> {
    let received = server.bodies.read(body, MAX_RUN_BYTES).await?;
    let request: JobRequest = serde_json::from_slice(&received.bytes)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("invalid run: {e}")))?;
    server.jobs.check_room().map_err(anyhow::Error::from)?;
    let preparing = Arc::clone(&server);
    let work = blocking(&server, move || Work::prepare(request, &preparing)).await?;
    let job = server
        .jobs
        .submit(work.into_task())
        .map_err(anyhow::Error::from)?;
    server.jobs.stop_unless_followed(&job);
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": job.id.to_string() })),
    )
        .into_response())
}

/// `GET /api/jobs/{id}/events`: the job's server-sent events.
async fn follow(State(server): State<Arc<Server>>, Path(id): Path<String>) -> Answer<Response> {
    let job = server.jobs.job(&id).map_err(anyhow::Error::from)?;
    let stream = events(job, Arc::clone(&server.jobs));
    // A comment every second finds a closed tab soon (its job then stops).
    let keep_alive = KeepAlive::new().interval(Duration::from_secs(1));
    Ok(Sse::new(stream).keep_alive(keep_alive).into_response())
}

/// `POST /api/jobs/{id}/stop`.
async fn stop(State(server): State<Arc<Server>>, Path(id): Path<String>) -> Answer<Response> {
    let job = server.jobs.job(&id).map_err(anyhow::Error::from)?;
    server.jobs.stop(&job);
    Ok((StatusCode::ACCEPTED, Json(json!({}))).into_response())
}

/// `GET /api/jobs/{id}/result.png`: the result with its recipe.
async fn result(State(server): State<Arc<Server>>, Path(id): Path<String>) -> Answer<Response> {
    let job = server.jobs.job(&id).map_err(anyhow::Error::from)?;
    let result =
        job.state().result.clone().ok_or_else(|| {
            ApiError::new(StatusCode::CONFLICT, format!("job {id} has no image yet"))
        })?;
    let png = result.png.clone();
    Ok(image_answer(
        "image/png",
        png,
        Some(&format!("nst-{id}.png")),
    ))
}

fn image_answer(kind: &'static str, bytes: Bytes, download: Option<&str>) -> Response {
    let mut response = ([(header::CONTENT_TYPE, kind)], bytes).into_response();
    if let Some(name) = download
        && let Ok(value) = format!("attachment; filename=\"{name}\"").parse()
    {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// The largest run request (`POST /api/jobs`), in bytes: ids and options.
const MAX_RUN_BYTES: u64 = 64 << 10;

/// Runs `work` (decoding, preparing a run) on a thread for blocking work, at most
/// [`Server::decoders`] at once, so that many uploads at once cannot take all the memory.
async fn blocking<T: Send + 'static>(
    server: &Server,
    work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> Answer<T> {
    let permit = Arc::clone(&server.decoders)
        .acquire_owned()
        .await
        .map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the server is stopping"))?;
    // The permit goes with the work: a client that gives up drops this request, not the work
    // on its thread, which holds the permit until it is done.
    let work = move || {
        let result = work();
        drop(permit);
        result
    };
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result.map_err(ApiError::from),
        Err(error) => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the request failed: {error}"),
        )),
    }
}
