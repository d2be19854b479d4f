// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tld.core.TldLayout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * What {@link TaskLocalDataSettings} and {@link KeyDefinition} accept, by the limits of
 * {@link TaskLocalDataSchema}. (That those limits are what the core can define is checked
 * against the kernel in {@code TaskLocalDataAutoConfigurationTests}.)
 */
class TaskLocalDataSettingsTests {

	@Test
	void theStartersPrefixIsReserved() {
		assertThat(TaskLocalDataSchema.isReserved("tld.tenant")).isTrue();
		assertThat(TaskLocalDataSchema.isReserved("app.tenant")).isFalse();
	}

	@Test
	void customKeysUpToTheLimits() {
		assertThat(TaskLocalDataSettings.builder()
			.customKeys(keys(TaskLocalDataSchema.MAX_CUSTOM_KEYS))
			.build()
			.customKeys()).hasSize(TaskLocalDataSchema.MAX_CUSTOM_KEYS);
		assertThatIllegalArgumentException().isThrownBy(
				() -> TaskLocalDataSettings.builder().customKeys(keys(TaskLocalDataSchema.MAX_CUSTOM_KEYS + 1)).build())
			.withMessageContaining("at most " + TaskLocalDataSchema.MAX_CUSTOM_KEYS);
		KeyDefinition all = new KeyDefinition("all", KeyType.BYTES, TaskLocalDataSchema.CUSTOM_KEYS_CAPACITY);
		assertThat(TaskLocalDataSettings.builder().customKeys(List.of(all)).build().customKeys()).containsExactly(all);
		assertThatIllegalArgumentException()
			.isThrownBy(() -> TaskLocalDataSettings.builder()
				.customKeys(List.of(all, new KeyDefinition("one", KeyType.BYTES, 1)))
				.build())
			.withMessageContaining(String.valueOf(TaskLocalDataSchema.CUSTOM_KEYS_CAPACITY));
	}

	@Test
	void customKeysOfTheirOwnNames() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> TaskLocalDataSettings.builder()
				.customKeys(List.of(KeyDefinition.of("tld.mine", KeyType.LONG)))
				.build())
			.withMessageContaining("reserved");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> TaskLocalDataSettings.builder()
				.customKeys(List.of(KeyDefinition.of("a", KeyType.LONG), KeyDefinition.of("a", KeyType.INT)))
				.build())
			.withMessageContaining("'a'");
	}

	@Test
	void keyDefinitions() {
		assertThat(KeyDefinition.of("app.region", KeyType.STRING).size()).isEqualTo(32);
		assertThat(new KeyDefinition("x", KeyType.STRING, 5).alignedSize()).isEqualTo(8);
		assertThatIllegalArgumentException().isThrownBy(() -> KeyDefinition.of("has space", KeyType.LONG));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> KeyDefinition.of("x".repeat(TldLayout.MAX_NAME_BYTES + 1), KeyType.LONG));
		assertThat(KeyDefinition.of("x".repeat(TldLayout.MAX_NAME_BYTES), KeyType.LONG).name())
			.hasSize(TldLayout.MAX_NAME_BYTES);
		assertThatIllegalArgumentException().isThrownBy(() -> new KeyDefinition("small", KeyType.LONG, 4))
			.withMessageContaining("at least 8");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new KeyDefinition("big", KeyType.BYTES, TldLayout.DATA_CAPACITY + 1));
	}

	@Test
	void intervalsHaveALowerBound() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> TaskLocalDataSettings.builder().maintenanceInterval(Duration.ZERO).build());
		assertThatIllegalArgumentException()
			.isThrownBy(() -> TaskLocalDataSettings.builder().maintenanceInterval(Duration.ofNanos(1)).build())
			.withMessageContaining("maintenance interval must be at least 10ms");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new TaskLocalDataSettings.Tenants(10, Duration.ofMillis(1)))
			.withMessageContaining("tenant idle timeout must be at least 10ms");
		TaskLocalDataSettings.builder().maintenanceInterval(TaskLocalDataSettings.MIN_INTERVAL).build();
	}

	private static List<KeyDefinition> keys(int n) {
		List<KeyDefinition> keys = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			keys.add(KeyDefinition.of("k" + i, KeyType.LONG));
		}
		return keys;
	}

}
