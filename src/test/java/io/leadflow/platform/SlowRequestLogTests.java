package io.leadflow.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

@ExtendWith(OutputCaptureExtension.class)
class SlowRequestLogTests {

    @Test
    void warnsOfARequestSlowerThanTheThresholdWithItsRouteButNotItsToken(CapturedOutput output) throws Exception {
        var filter = new SlowRequestLog(Duration.ofMillis(50));
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/optin/secret-token-123");
        request.setServletPath("/optin/secret-token-123");
        MockHttpServletResponse response = new MockHttpServletResponse();
        filter.doFilter(request, response, new MockFilterChain(new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
                try {
                    Thread.sleep(120);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                resp.setStatus(200);
            }
        }));

        assertThat(output.getOut()).containsPattern("Slow request: GET /optin/… answered 200 in \\d+ ms")
                .doesNotContain("secret-token-123");
    }

    @Test
    void saysNothingOfARequestWithinTheThreshold(CapturedOutput output) throws Exception {
        var filter = new SlowRequestLog(Duration.ofSeconds(5));
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/leads");
        request.setServletPath("/leads");
        filter.doFilter(request, new MockHttpServletResponse(), new MockFilterChain());

        assertThat(output.getOut()).doesNotContain("Slow request");
    }
}
