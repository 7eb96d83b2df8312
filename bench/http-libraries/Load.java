import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/** Load PORT COUNT: COUNT GETs of /health from 16 virtual threads, twice; prints the second round's rate. */
public class Load {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int total = Integer.parseInt(args[1]);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build();
        for (int round = 0; round < 2; round++) {      // round 0 warms up
            AtomicInteger left = new AtomicInteger(total);
            long start = System.nanoTime();
            try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> clients = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    clients.add(threads.submit(() -> {
                        while (left.getAndDecrement() > 0) {
                            int status = client.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
                            if (status != 200) {
                                throw new IllegalStateException("status " + status);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> c : clients) {
                    c.get();
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            if (round == 1) {
                System.out.printf("%.0f req/s%n", total / seconds);
            }
        }
    }
}
