package io.leadflow.qualification;

import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;

import jakarta.servlet.http.HttpServletRequest;

import io.leadflow.platform.InvalidInputException;

/**
 * The desk's figures on the pages of others: {@code /sla} (the last 30 days, for sales managers) and
 * {@code /analytics} (its period, for the monthly marketing–sales meeting). Those pages' modules do not know the
 * desk; the desk adds its report to their model as {@code deskReport}.
 */
@ControllerAdvice
class DeskFigures {

    private final DeskReports reports;

    DeskFigures(DeskReports reports) {
        this.reports = reports;
    }

    @ModelAttribute
    void deskReport(HttpServletRequest request, Model model) {
        String path = request.getRequestURI();
        if ("GET".equals(request.getMethod()) && ("/sla".equals(path) || "/analytics".equals(path))) {
            try {
                model.addAttribute("deskReport", reports.report(request.getParameter("from"),
                        request.getParameter("to")));
            } catch (InvalidInputException e) {
                // the page says what is wrong with its period; the desk's section is left out
            }
        }
    }
}
