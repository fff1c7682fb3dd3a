package io.leadflow.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;

import javax.sql.DataSource;
import javax.xml.datatype.DatatypeFactory;

import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import io.leadflow.support.ServiceTestBase;

/**
 * What Leadflow adds to the engine for speed. The index on the engine's job table exists on the embedded default (H2)
 * too; PostgresTests checks that PostgreSQL's plan uses it. The XML datatype factory every timer needs is named, so the
 * JDK does not search the class path for it each time.
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

    @Test
    void theDatatypeFactoryOfEveryTimerIsTheJdksNamedOnce() throws Exception {
        assertThat(System.getProperty(DatatypeFactory.DATATYPEFACTORY_PROPERTY))
                .isEqualTo(DatatypeFactory.DATATYPEFACTORY_IMPLEMENTATION_CLASS);
        assertThat(DatatypeFactory.newInstance().getClass().getName())
                .isEqualTo(DatatypeFactory.DATATYPEFACTORY_IMPLEMENTATION_CLASS);
        // the engine's own use: a timer's duration
        assertThat(new org.camunda.bpm.engine.impl.calendar.DurationHelper("P7D", new java.util.Date(0)).getDateAfter())
                .isEqualTo(new java.util.Date(java.time.Duration.ofDays(7).toMillis()));
    }
}
