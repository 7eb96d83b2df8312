import io.javalin.Javalin;

/** Javalin 7: GET /health → {"status":"ok"}; prints its port. */
public class JavalinServer {
    public static void main(String[] args) {
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.jetty.host = "127.0.0.1";
            config.jetty.port = 0;
            config.routes.get("/health", ctx -> ctx.contentType("application/json").result("{\"status\":\"ok\"}"));
        }).start();
        System.out.println(app.port());
    }
}
