package io.leadflow.scoring;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

import io.leadflow.lead.Lead;
import io.leadflow.lead.Leads;

/**
 * {@code /scoring}, the scoring lab: the marketers' page over the backtest and the bulk rescore, drawn from the same
 * answers as {@code GET /api/scoring/tables} and {@code GET /api/scoring/rescore}; its script calls the same API for
 * the rest, so what it shows is what the API says.
 */
@Controller
class ScoringLabPageController {

    private final BacktestController tables;
    private final RescoreController rescores;
    private final Leads leads;

    ScoringLabPageController(BacktestController tables, RescoreController rescores, Leads leads) {
        this.tables = tables;
        this.rescores = rescores;
        this.leads = leads;
    }

    @GetMapping("/scoring")
    String page(Model model) {
        model.addAttribute("tables", tables.tables());
        model.addAttribute("runs", rescores.runs());
        model.addAttribute("confirmedLeads", leads.count(Lead.Consent.CONFIRMED));
        return "scoring";
    }
}
