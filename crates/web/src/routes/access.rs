//! Routes declared with who may reach them. The same declaration registers the route,
//! enforces its access, and lists it for the route-by-role matrix test, so no route can
//! be added without saying who may use it.

use axum::Router;
use axum::extract::Request;
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{MethodRouter, get, post};

pub use crate::auth::current::Access;
use crate::auth::current::{Caller, refuse};
use crate::state::AppState;

/// One declared route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    pub method: Method,
    pub path: String,
    pub access: Access,
}

/// An axum router that remembers what was declared on it.
#[derive(Debug)]
pub struct Routes {
    pub(crate) router: Router<AppState>,
    pub(crate) table: Vec<RouteInfo>,
}

impl Default for Routes {
    fn default() -> Self {
        Routes {
            router: Router::new(),
            table: Vec::new(),
        }
    }
}

/// Let the request through only if its caller has `access`.
pub(crate) async fn check(access: Access, req: Request, next: Next) -> Response {
    let caller = req
        .extensions()
        .get::<Caller>()
        .cloned()
        .unwrap_or_default();
    let target = req
        .uri()
        .path_and_query()
        .map_or(req.uri().path(), |p| p.as_str())
        .to_owned();
    match refuse(access, &caller, &target) {
        Some(refusal) => refusal,
        None => next.run(req).await,
    }
}

impl Routes {
    pub fn new() -> Self {
        Self::default()
    }

    fn add(
        mut self,
        method: Method,
        path: &'static str,
        access: Access,
        route: MethodRouter<AppState>,
    ) -> Self {
        let route = route.route_layer(middleware::from_fn(move |req: Request, next: Next| {
            check(access, req, next)
        }));
        self.router = self.router.route(path, route);
        self.table.push(RouteInfo {
            method,
            path: path.to_owned(),
            access,
        });
        self
    }

    pub fn get<H, T>(self, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::GET, path, access, get(handler))
    }

    pub fn post<H, T>(self, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::POST, path, access, post(handler))
    }

    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.table.extend(other.table);
        self
    }
}

/// The JSON API, each operation declared with who may call it, as pages are.
pub struct ApiRoutes {
    pub(crate) router: utoipa_axum::router::OpenApiRouter<AppState>,
    pub(crate) table: Vec<RouteInfo>,
}

impl ApiRoutes {
    pub fn new() -> Self {
        ApiRoutes {
            router: utoipa_axum::router::OpenApiRouter::new(),
            table: Vec::new(),
        }
    }

    /// Add the operations of one handler (from `utoipa_axum::routes!`), callable only with
    /// `access`.
    pub fn route(
        mut self,
        access: Access,
        (schemas, paths, route): utoipa_axum::router::UtoipaMethodRouter<AppState>,
    ) -> Self {
        for (path, item) in &paths.paths {
            let operations = [
                (Method::GET, item.get.is_some()),
                (Method::POST, item.post.is_some()),
                (Method::PUT, item.put.is_some()),
                (Method::PATCH, item.patch.is_some()),
                (Method::DELETE, item.delete.is_some()),
            ];
            for (method, _) in operations.into_iter().filter(|(_, present)| *present) {
                self.table.push(RouteInfo {
                    method,
                    path: path.clone(),
                    access,
                });
            }
        }
        let route = route.route_layer(middleware::from_fn(move |req: Request, next: Next| {
            check(access, req, next)
        }));
        self.router = self.router.routes((schemas, paths, route));
        self
    }

    pub fn merge(mut self, other: ApiRoutes) -> Self {
        self.router = self.router.merge(other.router);
        self.table.extend(other.table);
        self
    }
}

impl std::fmt::Debug for ApiRoutes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiRoutes")
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

impl Default for ApiRoutes {
    fn default() -> Self {
        Self::new()
    }
}
