package dev.tpb.server;

/** Answers one request. Runs on the connection's thread; may block (for example until a model answers). */
@FunctionalInterface
public interface HttpHandler {
    HttpResponse handle(HttpRequest request);
}
