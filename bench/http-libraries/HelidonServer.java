import io.helidon.webserver.WebServer;

/** Helidon SE 4: GET /health → {"status":"ok"}; prints its port. */
public class HelidonServer {
    public static void main(String[] args) {
        WebServer server = WebServer.builder().host("127.0.0.1").port(0)
                .routing(routing -> routing.get("/health", (request, response) -> {
                    response.header("Content-Type", "application/json");
                    response.send("{\"status\":\"ok\"}");
                }))
                .build().start();
        System.out.println(server.port());
    }
}
