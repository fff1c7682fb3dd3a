package io.leadflow;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;

/**
 * The layout of STYLE.md §1: one package per capability, and only {@code process} knows that a workflow engine
 * exists.
 */
@AnalyzeClasses(packages = "io.leadflow", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTests {

    private static final String ROOT = "io.leadflow.";

    /**
     * {@code io.leadflow.<module>..} is a module, except below {@code channel}, where each channel is one
     * ({@code channel.email}, {@code channel.crm}, {@code channel.web}). The application class at the root is none.
     */
    static final SliceAssignment CAPABILITY_MODULES = new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
            String packageName = javaClass.getPackageName();
            if (!packageName.startsWith(ROOT)) {
                return SliceIdentifier.ignore();
            }
            String[] parts = packageName.substring(ROOT.length()).split("\\.");
            if (parts[0].equals("channel") && parts.length > 1) {
                return SliceIdentifier.of("channel." + parts[1]);
            }
            return SliceIdentifier.of(parts[0]);
        }

        @Override
        public String getDescription() {
            return "Leadflow capability modules (lead, consent, scoring, nurture, handoff, channel.email, "
                    + "channel.crm, channel.web, process, platform)";
        }
    };

    @ArchTest
    static final ArchRule onlyTheProcessModuleDependsOnCamunda = noClasses()
            .that().resideInAPackage("io.leadflow..")
            .and().resideOutsideOfPackage("io.leadflow.process..")
            .should().dependOnClassesThat().resideInAPackage("org.camunda..")
            .because("only process talks to the workflow engine; the other modules do not know it exists (STYLE.md §1)");

    @ArchTest
    static final ArchRule capabilityModulesDependOnEachOtherWithoutCycles = slices()
            .assignedFrom(CAPABILITY_MODULES)
            .should().beFreeOfCycles()
            .because("modules talk through small APIs and events, never in a circle (STYLE.md §1)");

    @ArchTest
    static final ArchRule repositoriesStayInsideTheirModule = classes()
            .that().resideInAPackage("io.leadflow..").and().haveSimpleNameEndingWith("Repository")
            .should().notBePublic()
            .because("a table's owner answers for it: other modules call the owner's API (Leads, HandoffService…), "
                    + "never its repository; TableOwnershipTests checks the SQL the same way");

    @ArchTest
    static final ArchRule leadsChangeOnlyThroughTheLeadModule = noClasses()
            .that().resideOutsideOfPackage("io.leadflow.lead")
            .should().dependOnClassesThat().haveFullyQualifiedName("io.leadflow.lead.LeadRepository")
            .because("stage and consent move through the transitions of Leads, which check them against one table");
}
