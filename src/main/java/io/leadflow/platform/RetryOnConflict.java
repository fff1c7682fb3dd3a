package io.leadflow.platform;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A public operation that may meet a journey busy with the same lead (a job of the same process instance, another
 * node's request): when its transaction loses a concurrent-update race, it is run again from the start, a few times
 * with a short random pause; if it still loses, the caller hears {@link ServiceBusyException} (503 with
 * {@code Retry-After}), never a 500. Only the outermost transaction retries: a call made inside a transaction runs
 * once, and its conflict rolls the caller back to the caller's own retry.
 */
@Documented
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
public @interface RetryOnConflict {
}
