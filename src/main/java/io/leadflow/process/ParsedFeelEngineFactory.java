package io.leadflow.process;

import java.time.temporal.Temporal;
import java.time.temporal.TemporalAmount;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.camunda.bpm.dmn.feel.impl.FeelEngine;
import org.camunda.bpm.dmn.feel.impl.FeelEngineFactory;
import org.camunda.bpm.dmn.feel.impl.scala.ContextVariableWrapper;
import org.camunda.bpm.dmn.feel.impl.scala.ScalaFeelEngine;
import org.camunda.bpm.engine.variable.context.VariableContext;
import org.camunda.feel.context.CustomContext;
import org.camunda.feel.context.VariableProvider;
import org.camunda.feel.syntaxtree.ParsedExpression;
import org.camunda.feel.syntaxtree.Val;
import org.camunda.feel.syntaxtree.ValError;
import org.camunda.feel.valuemapper.CustomValueMapper;
import org.camunda.feel.valuemapper.JavaCustomValueMapper;

import camundajar.impl.scala.runtime.BoxesRunTime;
import camundajar.impl.scala.util.Either;
import camundajar.impl.scala.util.Left;
import camundajar.impl.scala.util.Right;

/**
 * Camunda's FEEL engine, parsing each expression once. The stock engine parses every input entry, input expression
 * and output entry again at each evaluation: for our scoring tables that parsing was two thirds of a decision's
 * time. This engine keeps the parsed form by the expression's text and evaluates it exactly as the stock one does
 * after its own parse (same value mappers, functions, contexts and errors), so a decision's result cannot differ.
 * A parsed expression is immutable, so one cache serves every thread; past {@link #LIMIT} expressions (candidate
 * tables of many backtests) it starts afresh, so memory stays bounded.
 */
public final class ParsedFeelEngineFactory implements FeelEngineFactory {

    static final int LIMIT = 20_000;

    @Override
    public FeelEngine createInstance() {
        return new ParsingOnce();
    }

    static final class ParsingOnce extends ScalaFeelEngine {

        private final Map<String, Either<org.camunda.feel.FeelEngine.Failure, ParsedExpression>> expressions =
                new ConcurrentHashMap<>();
        private final Map<String, Either<org.camunda.feel.FeelEngine.Failure, ParsedExpression>> unaryTests =
                new ConcurrentHashMap<>();

        ParsingOnce() {
            super(List.of());
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T evaluateSimpleExpression(String expression, VariableContext variables) {
            CustomContext context = new CustomContext() {
                @Override
                public VariableProvider variableProvider() {
                    return new ContextVariableWrapper(variables);
                }
            };
            ParsedExpression parsed = parsed(expressions, expression, feelEngine::parseExpression);
            return (T) valueOf(feelEngine.eval(parsed, context));
        }

        @Override
        public boolean evaluateSimpleUnaryTests(String expression, String inputVariable, VariableContext variables) {
            VariableProvider.StaticVariableProvider input = new VariableProvider.StaticVariableProvider(
                    new camundajar.impl.scala.collection.immutable.Map.Map1<>(INPUT_VARIABLE_NAME, inputVariable));
            ContextVariableWrapper wrapper = new ContextVariableWrapper(variables);
            CustomContext context = new CustomContext() {
                @Override
                public VariableProvider variableProvider() {
                    return new VariableProvider.CompositeVariableProvider(toScalaList(input, wrapper));
                }
            };
            ParsedExpression parsed = parsed(unaryTests, expression, feelEngine::parseUnaryTests);
            return BoxesRunTime.unboxToBoolean(valueOf(feelEngine.eval(parsed, context)));
        }

        /**
         * FEEL reads the getters and calls the public methods of any Java object it is given as a variable (its
         * ObjectContext): a {@code byte[]} variable would offer {@code b.getClass()}, and from there reflection.
         * Decisions get plain values only: anything else is an error before FEEL sees it.
         */
        @Override
        protected camundajar.impl.scala.collection.immutable.List<CustomValueMapper> getValueMappers() {
            List<CustomValueMapper> mappers = new ArrayList<>(List.of(PlainValuesOnly.INSTANCE));
            super.getValueMappers().foreach(mapper -> mappers.add(mapper));
            return toScalaList(mappers.toArray(CustomValueMapper[]::new));
        }

        /** How many parsed expressions and unary tests are kept. */
        int cachedExpressions() {
            return expressions.size() + unaryTests.size();
        }

        private static ParsedExpression parsed(
                Map<String, Either<org.camunda.feel.FeelEngine.Failure, ParsedExpression>> cache, String expression,
                Function<String, Either<org.camunda.feel.FeelEngine.Failure, ParsedExpression>> parse) {
            Either<org.camunda.feel.FeelEngine.Failure, ParsedExpression> known = cache.get(expression);
            if (known == null) {
                if (cache.size() >= LIMIT) {
                    cache.clear();
                }
                known = cache.computeIfAbsent(expression, parse);
            }
            return (ParsedExpression) valueOf(known);
        }

        /** The value of a result, or the stock engine's exception with the FEEL engine's message. */
        private static Object valueOf(Either<org.camunda.feel.FeelEngine.Failure, ?> result) {
            if (result instanceof Right<?, ?> right) {
                return right.value();
            }
            throw LOGGER.evaluationException(((Left<org.camunda.feel.FeelEngine.Failure, ?>) result).value().message());
        }
    }

    /** Lets through what a decision may be given (numbers, text, dates, lists, maps); refuses any other object. */
    static final class PlainValuesOnly extends JavaCustomValueMapper {

        static final PlainValuesOnly INSTANCE = new PlainValuesOnly();

        @Override
        public Optional<Val> toValue(Object value, Function<Object, Val> inner) {
            if (value == null || value instanceof Val || value instanceof Number || value instanceof CharSequence
                    || value instanceof Boolean || value instanceof Character || value instanceof Date
                    || value instanceof Temporal || value instanceof TemporalAmount
                    || value instanceof Collection<?> || value instanceof Map<?, ?>
                    || value instanceof Object[] || value.getClass().getName().startsWith("camundajar.")
                    || value.getClass().getName().startsWith("org.camunda.feel.")) {
                return Optional.empty();
            }
            return Optional.of(ValError.apply("a decision reads numbers, text, dates, lists and maps only, not a "
                    + value.getClass().getSimpleName()));
        }

        @Override
        public Optional<Object> unpackValue(Val value, Function<Val, Object> inner) {
            return Optional.empty();
        }

        @Override
        public int priority() {
            return Integer.MAX_VALUE;
        }
    }
}
