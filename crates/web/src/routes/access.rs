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
