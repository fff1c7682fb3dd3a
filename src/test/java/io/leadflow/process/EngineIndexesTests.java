package io.leadflow.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;

import javax.sql.DataSource;

import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import io.leadflow.support.ServiceTestBase;

/**
 * The index Leadflow adds to the engine's job table exists on the embedded default (H2) too; PostgresTests checks that
 * PostgreSQL's plan uses it.
 */
class EngineIndexesTests extends ServiceTestBase {

    @Autowired
    DataSource dataSource;
    @Autowired
    ProcessEngine engine;

    @Test
    void theJobTableHasTheDueDateIndexAndMakingItAgainChangesNothing() throws Exception {
        // a second node's start, or a restart: the index is there, nothing fails
        EngineIndexes.ensure((ProcessEngineConfigurationImpl) engine.getProcessEngineConfiguration());
        try (Connection connection = dataSource.getConnection()) {
            assertThat(EngineIndexes.exists(connection, "ACT_RU_JOB", EngineIndexes.JOB_DUE_DATE)).isTrue();
            assertThat(EngineIndexes.exists(connection, "ACT_RU_JOB", "lf_idx_no_such_index")).isFalse();
        }
    }
}
