package dev.reason4j.server;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.VirtualThreadPool;

/**
 * Jetty's core server (no servlets) on one host and port, a virtual thread per request, every request answered
 * by one method: the OpenAI server's and the dashboard's.
 */
public record HttpEndpoint(Server jetty, ServerConnector connector) {
    /** Answers one request; it must complete {@code callback}. */
    public interface Routes {
        void serve(Request request, Response response, Callback callback);
    }

    /** A server, not yet started, on {@code host}:{@code port} (0 picks a free port). */
    public static HttpEndpoint create(String host, int port, Routes routes) {
        Server jetty = new Server(new VirtualThreadPool());
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost(host);
        connector.setPort(port);
        jetty.addConnector(connector);
        jetty.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                routes.serve(request, response, callback);
                return true;
            }
        });
        return new HttpEndpoint(jetty, connector);
    }
}
