package dev.ranch.http.router;

import dev.ranch.http.HttpHandler;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RouterTest {

    private static final HttpHandler A = (req, res) -> { };
    private static final HttpHandler B = (req, res) -> { };
    private static final HttpHandler C = (req, res) -> { };

    /** Found by RouterFuzzTest: a route for the method "" answered other methods 405 with an empty Allow. */
    @Test
    void aMethodThatIsNotATokenIsRefusedWhenTheRouteIsAdded() {
        assertThrows(IllegalArgumentException.class, () -> Router.builder().route("", "/x", A));
        assertThrows(IllegalArgumentException.class, () -> Router.builder().route("GET POST", "/x", A));
        assertThrows(IllegalArgumentException.class, () -> Router.builder().route("G\u00c9T", "/x", A));
        assertEquals(405, Router.builder().route("M-SEARCH", "/x", A).build().match("GET", "h", "/x").status());
    }

    @Test
    void builderCallsAfterBuildDoNotChangeTheBuiltRouter() {
        Router.Builder builder = Router.builder().get("/r", A).route("/any", B);
        Router built = builder.build();

        builder.post("/r", C).get("/r", C).route("/any", C).get("/new", C).host("h").get("/r", C);

        assertSame(A, built.match("GET", "h", "/r").handler());
        assertEquals(405, built.match("POST", "h", "/r").status());
        assertEquals("GET, HEAD", built.match("POST", "h", "/r").allow());
        assertSame(B, built.match("DELETE", "h", "/any").handler());
        assertEquals(404, built.match("GET", "h", "/new").status());
        Router later = builder.build();
        assertSame(C, later.match("POST", "x", "/r").handler());
        assertSame(C, later.match("GET", "x", "/new").handler());
    }

    @Test
    void bindsPathSegmentsAndDecodesThem() {
        Router router = Router.builder().get("/users/:id/posts/:post", A).build();
        RouteMatch m = router.match("GET", "x", "/users/j%C3%B6rg/posts/7");
        assertSame(A, m.handler());
        assertEquals(RouteMatch.Outcome.FOUND, m.outcome());
        assertEquals(200, m.status());
        assertEquals(Map.of("id", "jörg", "post", "7"), m.bindings());
    }

    @Test
    void trailingWildcardMatchesTheRestAsPathInfo() {
        Router router = Router.builder().route("/static/[...]", A).build();
        assertEquals("css/site.css", router.match("GET", "", "/static/css/site.css").pathInfo());
        assertEquals("", router.match("GET", "", "/static").pathInfo());
        assertFalse(router.match("GET", "", "/other/x").found());
    }

    @Test
    void segmentsMatchExactlyWithoutTrailingSlashSlack() {
        Router router = Router.builder().get("/a", A).get("/", B).build();
        assertSame(A, router.match("GET", "", "/a").handler());
        assertSame(B, router.match("GET", "", "/").handler());
        assertEquals(404, router.match("GET", "", "/a/").status());
        assertEquals(404, router.match("GET", "", "/a/b").status());
    }

    @Test
    void wrongMethodIs405WithTheAllowedMethods() {
        Router router = Router.builder().get("/r", A).post("/r", B).build();
        RouteMatch m = router.match("DELETE", "", "/r");
        assertEquals(RouteMatch.Outcome.METHOD_NOT_ALLOWED, m.outcome());
        assertEquals(405, m.status());
        assertEquals("GET, HEAD, POST", m.allow());
    }

    @Test
    void headFallsBackToGet() {
        Router router = Router.builder().get("/r", A).build();
        assertSame(A, router.match("HEAD", "", "/r").handler());
    }

    @Test
    void anyMethodRouteTakesWhatHasNoSpecificHandler() {
        Router router = Router.builder().post("/r", A).route("/r", B).build();
        assertSame(A, router.match("POST", "", "/r").handler());
        assertSame(B, router.match("PATCH", "", "/r").handler());
    }

    @Test
    void hostPatternsBindAndMatchRightToLeftIgnoringCaseAndPort() {
        Router router = Router.builder()
                .host(":tenant.example.com").get("/", A)
                .host("[...].static.example.com").get("/", B)
                .host("_").get("/", C)
                .build();
        RouteMatch tenant = router.match("GET", "Acme.Example.COM:8080", "/");
        assertSame(A, tenant.handler());
        assertEquals("acme", tenant.bindings().get("tenant"));
        assertSame(B, router.match("GET", "a.b.static.example.com", "/").handler());
        assertSame(C, router.match("GET", "example.com", "/").handler());
        assertSame(C, router.match("GET", "", "/").handler());
    }

    @Test
    void sameBindingTwiceMustBindTheSameValue() {
        Router router = Router.builder().get("/:x/:x", A).build();
        assertSame(A, router.match("GET", "", "/same/same").handler());
        assertEquals(404, router.match("GET", "", "/one/two").status());
    }

    @Test
    void firstMatchingPathWinsAndUnderscoreMatchesAnySegment() {
        Router router = Router.builder().get("/a/_", A).get("/a/:b", B).build();
        RouteMatch m = router.match("GET", "", "/a/z");
        assertSame(A, m.handler());
        assertNull(m.bindings().get("b"));
    }

    @Test
    void malformedPatternsAreRefusedAtBuildTime() {
        assertThrows(IllegalArgumentException.class, () -> Router.builder().get("no-slash", A));
        assertThrows(IllegalArgumentException.class, () -> Router.builder().get("/[...]/x", A));
    }
}
