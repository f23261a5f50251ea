package dev.tpb.server;

import java.nio.ByteBuffer;
import java.util.Map;

/**
 * One parsed HTTP/1.x request. {@code body} is a view of the connection's buffer: valid only until the
 * response has been written (the connection reuses the buffer for the next request).
 *
 * @param path    the request target's path, percent-decoding not applied
 * @param headers header names in lower case; a repeated header keeps its values joined with ", "
 * @param client  tells when the client goes away while the answer is pending (a deferred or streamed answer)
 */
public record HttpRequest(String method, String path, String query, Map<String, String> headers, ByteBuffer body,
                          boolean keepAlive, ClientWatch client) {

    public String header(String lowerCaseName) {
        return headers.get(lowerCaseName);
    }
}
