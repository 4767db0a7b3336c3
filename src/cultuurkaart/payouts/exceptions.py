from cultuurkaart.core.errors import Conflict


class NothingToPay(Conflict):
    type = "nothing-to-pay"
    title = "Nothing to pay"
