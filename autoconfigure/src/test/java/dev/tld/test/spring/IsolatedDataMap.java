// SPDX-License-Identifier: Apache-2.0
package dev.tld.test.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import dev.tld.test.EnabledOnBpf;

/**
 * Gives the annotated test class's Spring application context a data map of its own:
 * {@code tld.pin-path} is set to {@code /sys/fs/bpf/<test_class>-<pid>/tld_data_map}
 * ({@link IsolatedDataMapContextCustomizerFactory#pinPath(Class)}), and the pin's
 * directory is removed when the context closes, after every bean (the runtime included)
 * is destroyed. The path is part of the context's cache key, so two test classes never
 * share a pinned map, with each other, with another JVM or with a running demo. Where BPF
 * cannot run or bpffs is not writable the tests are skipped, saying why
 * ({@link EnabledOnBpf @EnabledOnBpf(bpffs = true)}).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@EnabledOnBpf(bpffs = true)
public @interface IsolatedDataMap {

}
