package bench.stock;

import org.camunda.bpm.engine.RepositoryService;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * Outside {@code io.leadflow} on purpose: Leadflow's component scan would take this class for one of its own
 * configurations, and its exclusions (security) with it.
 *
 * <p>The footprint bench's baseline (M13): Camunda 7 as its Spring Boot starter ships it, with its REST API and webapps,
 * on the same class path and JVM settings as a Leadflow node, but none of Leadflow's components (it scans only this
 * package) and no model but the bench's raw ones: M13's load starts instances of raw-start-to-wait through {@code
 * /engine-rest}, and M1's and M4's baselines run in it ({@link StockBenchController}). Spring Boot's security is left
 * out: a stock starter answers its REST API openly.
 */
@SpringBootApplication(excludeName = {
        "org.springframework.boot.autoconfigure.security.servlet.SecurityAutoConfiguration",
        "org.springframework.boot.autoconfigure.security.servlet.UserDetailsServiceAutoConfiguration",
        "org.springframework.boot.autoconfigure.security.servlet.SecurityFilterAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.security.servlet.ManagementWebSecurityAutoConfiguration",
        "org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration"})
public class StockCamundaNode {

    public static void main(String[] args) {
        SpringApplication.run(StockCamundaNode.class, args);
    }

    /** Deployed while the context starts, before the web server answers: the node is healthy with its models. */
    @Bean
    org.camunda.bpm.engine.repository.Deployment rawModels(RepositoryService repository) {
        return repository.createDeployment().name("stock").enableDuplicateFiltering(true)
                .addClasspathResource("bench/raw-start-to-wait.bpmn")
                .addClasspathResource("bench/raw-plain-start-to-wait.bpmn")
                .addClasspathResource("bench/raw-timer.bpmn").deploy();
    }
}
