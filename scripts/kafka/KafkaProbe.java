// Readiness probe for scripts/kafka.sh: asks the broker for its cluster id with
// Kafka's own AdminClient and exits 0 only when the broker answers.
// Run as a single-file source program: java -cp '<jars>/*' KafkaProbe.java HOST:PORT
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

public class KafkaProbe {
    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "4000");
        long deadline = System.currentTimeMillis() + Long.parseLong(args.length > 1 ? args[1] : "60") * 1000;
        try (Admin admin = Admin.create(props)) {
            while (true) {
                try {
                    String id = admin.describeCluster().clusterId().get(4, TimeUnit.SECONDS);
                    int nodes = admin.describeCluster().nodes().get(4, TimeUnit.SECONDS).size();
                    if (nodes > 0) {
                        System.out.println("kafka ready: cluster " + id + ", " + nodes + " node(s) at " + args[0]);
                        return;
                    }
                } catch (Exception e) {
                    if (System.currentTimeMillis() > deadline) {
                        System.err.println("kafka not ready at " + args[0] + ": " + e);
                        System.exit(1);
                    }
                }
                Thread.sleep(300);
            }
        }
    }
}
